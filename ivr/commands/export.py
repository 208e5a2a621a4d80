"""``ivr export``: the suppression list as CSV (or JSON lines / JSON), streamed."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator

from ivr.api.export import ExportFormat, optout_lines
from ivr.commands.output import check_output_target, output_file
from ivr.commands.progress import Progress
from ivr.commands.store_access import OK, add_db_option, run_with_store, setup
from ivr.domain import OptOut, OptOutKind
from ivr.store import Store
from ivr.suppressions import ensure_advertiser, parse_number, parse_since


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "export",
        help="export the opt-outs (CSV by default) to stdout or -o FILE",
        description="Export opt-outs with the filters and columns of GET /v1/optouts; "
        "active ones unless --include-revoked.",
    )
    parser.add_argument("-o", "--output", metavar="FILE", help="default: stdout")
    parser.add_argument(
        "--advertiser",
        metavar="ID",
        help="that advertiser's suppression list: its own opt-outs, every Bel-me-niet "
        "registration whoever recorded it, and their revocations",
    )
    parser.add_argument("--number", metavar="NUMBER")
    parser.add_argument("--since", metavar="DATE", help="ISO 8601 date or date-time")
    parser.add_argument("--kind", choices=[kind.value for kind in OptOutKind])
    parser.add_argument("--include-revoked", action="store_true")
    parser.add_argument(
        "--format", choices=[f.value for f in ExportFormat], default=ExportFormat.CSV.value
    )
    add_db_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    where = setup(args)
    check_output_target(args.output)

    async def work(store: Store) -> int:
        number = parse_number(args.number) if args.number else None
        since = parse_since(args.since, where.profile.hours.timezone)
        if args.advertiser:
            await ensure_advertiser(store, where.settings, args.advertiser)
        rows = store.iter_optouts(
            advertiser=args.advertiser,
            number=number,
            since=since,
            kind=OptOutKind(args.kind) if args.kind else None,
            include_revoked=args.include_revoked,
        )
        with Progress("export") as progress, output_file(args.output) as out:
            async for piece in optout_lines(_counted(rows, progress), ExportFormat(args.format)):
                out.write(piece.encode())
        return OK

    return run_with_store(where, work)


async def _counted(rows: AsyncIterator[OptOut], progress: Progress) -> AsyncIterator[OptOut]:
    async for row in rows:
        progress.advance()
        yield row
