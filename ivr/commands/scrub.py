"""``ivr scrub IN -o OUT``: the call file without (or marking) the suppressed numbers."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ivr.api.scrub_core import ScrubMode, ScrubStats, inspect_csv, scrub, store_judge
from ivr.clock import LoopClock
from ivr.commands.output import check_output_target, output_file
from ivr.commands.progress import Progress
from ivr.commands.store_access import OK, add_db_option, fail, run_with_store, setup
from ivr.store import Store
from ivr.suppressions import ensure_advertiser, parse_category


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "scrub",
        help="scrub a call file (CSV) against the suppression list",
        description="Read the CSV call file IN (header; `,` or `;`; UTF-8, BOM allowed) and "
        "write it to OUT without the suppressed rows (--mode remove) or with the columns "
        "suppressed and suppression_reason added (--mode mark). Same rules as POST /v1/scrub.",
    )
    parser.add_argument("input", metavar="IN", type=Path)
    parser.add_argument("-o", "--output", required=True, metavar="OUT", help="- for stdout")
    parser.add_argument("--advertiser", required=True, metavar="ID")
    parser.add_argument("--mode", choices=[m.value for m in ScrubMode], default="remove")
    parser.add_argument("--column", metavar="NAME", help="the header of the number column")
    parser.add_argument("--category", metavar="C", help="a register category of the profile")
    add_db_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    where = setup(args)
    check_output_target(args.output)
    if not args.input.is_file():
        return fail(f"{args.input}: no such file")

    async def work(store: Store) -> int:
        category = parse_category(args.category, where.profile)
        await ensure_advertiser(store, where.settings, args.advertiser)
        stats = ScrubStats()
        with args.input.open("rb") as source:
            layout = inspect_csv(source, args.column)
            judge = store_judge(store, args.advertiser, category, LoopClock().now())
            pieces = scrub(source, layout, ScrubMode(args.mode), judge, stats)
            with Progress("scrub", layout.rows) as progress, output_file(args.output) as out:
                async for piece in pieces:
                    out.write(piece.encode())
                    progress.advance(stats.rows - progress.done)
        print(
            f"scrubbed {stats.rows} rows: {stats.suppressed} suppressed, "
            f"{stats.invalid} invalid numbers",
            file=sys.stderr,
        )
        return OK

    return run_with_store(where, work)
