"""``ivr optout add|revoke``: an opt-out entered by hand, or revoked at the consumer's request."""

from __future__ import annotations

import argparse
import sys

from ivr.clock import LoopClock
from ivr.commands.store_access import OK, add_db_option, fail, run_with_store, setup
from ivr.domain import SCOPE_ALL, OptOut, OptOutKind, OptOutSource
from ivr.store import Store
from ivr.suppressions import ensure_advertiser, optout_request

KINDS = [
    OptOutKind.RECHT_VAN_VERZET.value,
    OptOutKind.BEL_ME_NIET.value,
    OptOutKind.DO_NOT_CALL.value,
]


def add_register_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scope",
        metavar="all|CAT,CAT",
        help="bel_me_niet only: all (the default) or categories of the profile",
    )
    parser.add_argument(
        "--charities",
        choices=["yes", "no"],
        help="bel_me_niet with scope all (required there): whether goede doelen may not "
        "call either",
    )


def charities_flag(value: str | None) -> bool | None:
    return None if value is None else value == "yes"


def missing_charities(args: argparse.Namespace) -> str | None:
    """The complaint when a totaal registration comes without ``--charities``
    (docs/design.md 14.20)."""
    totaal = args.scope is None or args.scope.strip() == SCOPE_ALL
    if args.kind == OptOutKind.BEL_ME_NIET.value and totaal and args.charities is None:
        return (
            "--charities yes|no is required for a bel_me_niet registration with scope all "
            "(the default): ask the consumer whether charities may still call"
        )
    return None


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("optout", help="add or revoke an opt-out by hand")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    add = actions.add_parser(
        "add",
        help="record an opt-out (an agent's entry); prints it as JSON (an identical "
        "active one is printed instead of adding a second)",
        description="Record an opt-out by hand: source agent with --agent, else api.",
    )
    add.add_argument("number", metavar="NUMBER")
    add.add_argument("--advertiser", required=True, metavar="ID")
    add.add_argument("--kind", required=True, choices=KINDS)
    add_register_options(add)
    add.add_argument("--agent", metavar="ID", help="the agent who took the request")
    add_db_option(add)
    add.set_defaults(run=run_add)

    revoke = actions.add_parser(
        "revoke",
        help="revoke an opt-out at the consumer's explicit request; prints the revocation",
        description="Write a revocation row for opt-out ID (the opt-out itself is kept).",
    )
    revoke.add_argument("optout_id", metavar="ID")
    revoke.add_argument("--reason", required=True, metavar="TEXT")
    revoke.add_argument(
        "--requested-by", default="consumer", metavar="WHO", help="default: consumer"
    )
    add_db_option(revoke)
    revoke.set_defaults(run=run_revoke)


def run_add(args: argparse.Namespace) -> int:
    where = setup(args, db_must_exist=False)
    if problem := missing_charities(args):
        return fail(problem)

    async def work(store: Store) -> int:
        wanted = optout_request(
            number=args.number,
            advertiser=args.advertiser,
            kind=OptOutKind(args.kind),
            source=OptOutSource.AGENT if args.agent else OptOutSource.API,
            created_by=f"agent:{args.agent}" if args.agent else "api",
            profile=where.regimes.profile_for(args.advertiser, LoopClock().now()),
            scope=args.scope,
            charities=charities_flag(args.charities),
            agent=args.agent,
        )
        await ensure_advertiser(store, where.settings, args.advertiser)
        row, created = await store.record_manual_optout(wanted)
        if not created:
            print(f"ivr: an identical opt-out is already active: {row.id}", file=sys.stderr)
        print(_entry_json(row))
        return OK

    return run_with_store(where, work)


def run_revoke(args: argparse.Namespace) -> int:
    where = setup(args)

    async def work(store: Store) -> int:
        row = await store.revoke(
            args.optout_id,
            reason=args.reason,
            requested_by=args.requested_by,
            created_by="api",
            source=OptOutSource.API,
        )
        print(_entry_json(row))
        return OK

    return run_with_store(where, work)


def _entry_json(row: OptOut) -> str:
    """The row as the API shows it; its pydantic models are loaded only here (``ivr import``
    uses this module's options and starts without them)."""
    from ivr.api.schemas import OptOutEntry

    return OptOutEntry.of(row).model_dump_json(indent=2)
