"""``ivr may-call NUMBER --advertiser ID``: the may-call decision as JSON (DESIGN.md 6, 9)."""

from __future__ import annotations

import argparse
import json

from ivr.clock import LoopClock
from ivr.commands.store_access import OK, SAYS_NO, add_db_option, run_with_store, setup
from ivr.rules.hours import CallingHours
from ivr.rules.suppression import Relation
from ivr.store import Store
from ivr.suppressions import (
    decide_may_call,
    ensure_advertiser,
    parse_category,
    parse_moment,
    parse_number,
    parse_relation,
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "may-call",
        help="may an advertiser call this number now (JSON; exit 1 when not)",
        description="Decide whether ADVERTISER may call NUMBER: suppression (recht van verzet, "
        "Bel-me-niet Register) first, then the calling hours of the profile. Prints "
        '{"number", "advertiser", "allowed", "reasons"}. Exit 0 allowed, 1 not allowed, '
        "2 bad input or configuration.",
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
    parser.add_argument("--category", metavar="C", help="a register category of the profile")
    add_db_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    where = setup(args)

    async def work(store: Store) -> int:
        number = parse_number(args.number)
        at = parse_moment(args.at)
        relation = parse_relation(args.relation)
        category = parse_category(args.category, where.profile)
        await ensure_advertiser(store, where.settings, args.advertiser)
        hours = CallingHours(where.profile.hours)
        decision = await decide_may_call(
            store,
            number,
            args.advertiser,
            hours,
            LoopClock().now(),
            at=at,
            relation=relation,
            category=category,
        )
        answer = {
            "number": number,
            "advertiser": args.advertiser,
            "allowed": decision.allowed,
            "reasons": [reason.as_dict() for reason in decision.reasons],
        }
        print(json.dumps(answer, ensure_ascii=False, indent=2))
        return OK if decision.allowed else SAYS_NO

    return run_with_store(where, work)
