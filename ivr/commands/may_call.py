"""``ivr may-call NUMBER --advertiser ID``: the may-call decision as JSON (docs/design.md 6, 9)."""

from __future__ import annotations

import argparse
import json

from ivr.clock import LoopClock
from ivr.commands.store_access import OK, SAYS_NO, add_db_option, run_with_store, setup
from ivr.rules.suppression import Relation
from ivr.store import Store
from ivr.suppressions import (
    decide_may_call,
    ensure_advertiser,
    parse_category,
    parse_moment,
    parse_number,
    parse_relation,
    parse_relation_ended,
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "may-call",
        help="may an advertiser call this number now (JSON; exit 1 when not)",
        description="Decide whether ADVERTISER may call NUMBER under the profile in force at "
        "the moment: suppression (recht van verzet, Bel-me-niet Register, do-not-call) first, "
        "then the consent an opt-in regime asks for, then the calling hours. Prints "
        '{"number", "advertiser", "profile", "allowed", "reasons"}. Exit 0 allowed, 1 not '
        "allowed, 2 bad input or configuration.",
    )
    parser.add_argument("number", metavar="NUMBER", help="the consumer's number (06…, +31…)")
    parser.add_argument("--advertiser", required=True, metavar="ID")
    parser.add_argument(
        "--at",
        metavar="ISO8601",
        help="the moment of the call, with its offset (default: now); only opt-outs and "
        "revocations created at or before it count",
    )
    parser.add_argument("--relation", choices=[relation.value for relation in Relation])
    parser.add_argument(
        "--relation-ended",
        metavar="DATE",
        help="with --relation customer: the date the customer relation ended (default: current)",
    )
    parser.add_argument("--category", metavar="C", help="a register category of the profile")
    add_db_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    where = setup(args)

    async def work(store: Store) -> int:
        now = LoopClock().now()
        at = parse_moment(args.at)
        regimes = where.regimes
        profile = regimes.profile_for(args.advertiser, at or now)
        number = parse_number(args.number, profile.number_region)
        relation = parse_relation(args.relation)
        relation_ended = parse_relation_ended(args.relation_ended, relation)
        category = parse_category(args.category, profile)
        await ensure_advertiser(store, where.settings, args.advertiser)
        decision, profile = await decide_may_call(
            store,
            number,
            args.advertiser,
            regimes,
            now,
            at=at,
            relation=relation,
            category=category,
            relation_ended=relation_ended,
        )
        answer = {
            "number": number,
            "advertiser": args.advertiser,
            "profile": profile.name,
            "allowed": decision.allowed,
            "reasons": [reason.as_dict() for reason in decision.reasons],
        }
        print(json.dumps(answer, ensure_ascii=False, indent=2))
        return OK if decision.allowed else SAYS_NO

    return run_with_store(where, work)
