"""``ivr scrub IN -o OUT``: the call file without (or marking) the suppressed numbers."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from ivr import process_end
from ivr.clock import LoopClock
from ivr.commands.output import check_output_target, output_file
from ivr.commands.progress import Progress
from ivr.commands.store_access import OK, add_db_option, fail, run_with_store, setup
from ivr.scrub import ScrubMode, ScrubRequest, scrub_file
from ivr.scrub.core import list_loading
from ivr.store import Store
from ivr.suppressions import ensure_advertiser


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "scrub",
        help="scrub a call file (CSV) against the suppression list",
        description="Read the CSV call file IN (with or without a header; `,` or `;`; UTF-8, "
        "BOM allowed) and write it to OUT without the suppressed rows (--mode remove) or with "
        "the columns suppressed and suppression_reason appended (--mode mark). The number "
        "columns are those given with --column, else every column named like a number column "
        "or holding mostly valid numbers; none found is exit 2. Same rules as POST /v1/scrub.",
    )
    parser.add_argument("input", metavar="IN", type=Path)
    parser.add_argument("-o", "--output", required=True, metavar="OUT", help="- for stdout")
    parser.add_argument("--advertiser", required=True, metavar="ID")
    parser.add_argument("--mode", choices=[m.value for m in ScrubMode], default="remove")
    add_column_option(parser)
    parser.add_argument("--category", metavar="C", help="a register category of the profile")
    add_db_option(parser)
    parser.set_defaults(run=run)


def add_column_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--column",
        action="append",
        default=[],
        metavar="NAME",
        help="a number column by its header (headerless file: #1, #2…); repeatable",
    )


def run(args: argparse.Namespace) -> int:
    where = setup(args)
    check_output_target(args.output)
    if not args.input.is_file():
        return fail(f"{args.input}: no such file")

    async def work(store: Store) -> int:
        request = ScrubRequest.under_profile(
            where.regimes,
            args.advertiser,
            LoopClock().now(),
            mode=ScrubMode(args.mode),
            category=args.category,
            columns=args.column,
        )
        async with list_loading(store, request) as listed:
            await ensure_advertiser(store, where.settings, args.advertiser)
            with (
                args.input.open("rb") as source,
                Progress("scrub") as progress,
                whole_output(args.output) as out,
            ):
                stats = await scrub_file(
                    store,
                    request,
                    source,
                    out,
                    progress=lambda rows: progress.advance(rows - progress.done),
                    listed=listed,
                )
            process_end.keep(listed.result())
        print(
            f"scrubbed {stats.rows} rows: {stats.suppressed} suppressed, "
            f"{stats.invalid} invalid numbers; number columns: {', '.join(stats.columns)}",
            file=sys.stderr,
        )
        if request.regime.expired:
            name = request.profile.name
            print(f"profile {name} is no longer in force (profile_expired)", file=sys.stderr)
        return OK

    return run_with_store(where, work)


@contextmanager
def whole_output(target: str) -> Iterator[BinaryIO]:
    """Like :func:`output_file`, and stdout too gets the file only once it is complete."""
    if target != "-":
        with output_file(target) as out:
            yield out
        return
    with tempfile.TemporaryFile(prefix="ivr-scrub-") as spool:
        yield spool
        spool.seek(0)
        with output_file(target) as out:
            shutil.copyfileobj(spool, out)
