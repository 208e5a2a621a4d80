"""``ivr check NUMBER --advertiser ID``: the suppression look-up as JSON; exit 1 when suppressed."""

from __future__ import annotations

import argparse

from ivr.api.schemas import SuppressionOut
from ivr.clock import LoopClock
from ivr.commands.store_access import OK, SAYS_NO, Setup, add_db_option, run_with_store, setup
from ivr.store import Store
from ivr.suppressions import (
    ensure_advertiser,
    look_up,
    parse_category,
    parse_moment,
    parse_number,
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "check",
        help="is a number suppressed for an advertiser (JSON; exit 1 when suppressed)",
        description="Look NUMBER up in the suppression list of ADVERTISER: its recht van "
        "verzet and every Bel-me-niet registration. Prints the decision as JSON. Exit 0 not "
        "suppressed, 1 suppressed, 2 bad input or configuration.",
    )
    parser.add_argument("number", metavar="NUMBER", help="the consumer's number (06…, +31…)")
    parser.add_argument("--advertiser", required=True, metavar="ID")
    parser.add_argument("--category", metavar="C", help="a register category of the profile")
    parser.add_argument(
        "--at",
        metavar="ISO8601",
        help="the decision as it stood at this moment (with its offset): only opt-outs and "
        "revocations created at or before it count",
    )
    parser.add_argument(
        "--include-revoked",
        action="store_true",
        help="list the number's whole history in entries (revoked opt-outs, revocations)",
    )
    add_db_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    where = setup(args)

    async def work(store: Store) -> int:
        return await check(store, where, args)

    return run_with_store(where, work)


async def check(store: Store, where: Setup, args: argparse.Namespace) -> int:
    now = LoopClock().now()
    at = parse_moment(args.at)
    regimes = where.regimes
    profile = regimes.profile_for(args.advertiser, at or now)
    number = parse_number(args.number, profile.number_region)
    category = parse_category(args.category, profile)
    await ensure_advertiser(store, where.settings, args.advertiser)
    found = await look_up(
        store,
        number,
        args.advertiser,
        now,
        category,
        at=at,
        include_revoked=args.include_revoked,
        regimes=regimes,
    )
    print(SuppressionOut.of(found).model_dump_json(indent=2))
    return SAYS_NO if found.suppressed else OK
