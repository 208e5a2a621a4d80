"""``ivr import FILE``: load an existing suppression list (source ``import``).

The whole file is read and checked first: one invalid number stops the import before
anything is written, unless ``--skip-invalid``. Numbers that already have the same
active opt-out are skipped, so running an import twice adds nothing. The rest goes in
as plain values, in short transactions (:meth:`ivr.store.Store.import_numbers`).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from ivr.clock import LoopClock
from ivr.commands.optout import KINDS, add_register_options, charities_flag, missing_charities
from ivr.commands.progress import Progress
from ivr.commands.scrub import add_column_option
from ivr.commands.store_access import OK, add_db_option, fail, run_with_store, setup
from ivr.domain import OptOutKind, OptOutSource
from ivr.rules.numbers import normalize
from ivr.scrub import CsvLayout, data_records, inspect_csv
from ivr.store import Store
from ivr.suppressions import InputError, ensure_advertiser, optout_request

SHOWN_INVALID = 5


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "import",
        help="load an existing suppression list (CSV) as opt-outs",
        description="Load the numbers of FILE (CSV with or without a header; every number "
        "column, found as ivr scrub finds them) as opt-outs of ADVERTISER, source import, "
        "created_by import:<file name>.",
    )
    parser.add_argument("file", metavar="FILE", type=Path)
    parser.add_argument("--advertiser", required=True, metavar="ID")
    parser.add_argument("--kind", required=True, choices=KINDS)
    add_column_option(parser)
    add_register_options(parser)
    parser.add_argument(
        "--skip-invalid", action="store_true", help="import the valid numbers, skip the rest"
    )
    add_db_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    where = setup(args, db_must_exist=False)
    if problem := missing_charities(args):
        return fail(problem)
    if not args.file.is_file():
        return fail(f"{args.file}: no such file")

    async def work(store: Store) -> int:
        await ensure_advertiser(store, where.settings, args.advertiser)
        profile = where.regimes.profile_for(args.advertiser, LoopClock().now())
        with args.file.open("rb") as source:
            layout = inspect_csv(source, args.column, profile.number_region)
            listed = _read(source, layout, profile.number_region)
        if listed.invalid and not args.skip_invalid:
            shown = ", ".join(f"record {n} ({raw!r})" for n, raw in listed.invalid[:SHOWN_INVALID])
            raise InputError(
                "invalid_number",
                f"{len(listed.invalid)} invalid numbers, nothing imported: {shown} "
                "(--skip-invalid imports the rest)",
            )
        if listed.first is None:
            raise InputError("invalid_number", f"{args.file}: no valid number to import")
        template = optout_request(
            number=listed.first,
            advertiser=args.advertiser,
            kind=OptOutKind(args.kind),
            source=OptOutSource.IMPORT,
            created_by=f"import:{args.file.name}",
            profile=profile,
            scope=args.scope,
            charities=charities_flag(args.charities),
        )
        present = await store.numbers_with_entry(template, listed.numbers)
        new = [number for number in listed.numbers if number not in present]
        with Progress("import", len(new)) as progress:
            added = await store.import_numbers(
                template, new, lambda done: progress.advance(done - progress.done)
            )
        print(
            f"imported {added} opt-outs; {listed.valid - added} already present or repeated; "
            f"{len(listed.invalid)} invalid numbers skipped",
            file=sys.stderr,
        )
        return OK

    return run_with_store(where, work)


@dataclass
class _List:
    numbers: list[str] = field(default_factory=list)
    """The valid numbers, E.164, each once, in the file's order."""
    valid: int = 0
    first: str | None = None
    """The first valid number as written."""
    invalid: list[tuple[int, str]] = field(default_factory=list)


def _read(source: BinaryIO, layout: CsvLayout, region: str) -> _List:
    """Every number cell that holds something, in order; a record whose number cells are
    all empty counts as one invalid (empty) number. One loop, no generator per cell: it
    runs once a line of a file of a million."""
    found = _List()
    unique: dict[str, None] = {}
    invalid = found.invalid
    columns = layout.columns
    valid = 0
    for n, cells in data_records(source, layout):
        empty = True
        for i in columns:
            if i < len(cells) and (raw := cells[i]).strip():
                empty = False
                number = normalize(raw, region)
                if number is None:
                    invalid.append((n, raw))
                    continue
                valid += 1
                unique[number] = None
                if found.first is None:
                    found.first = raw
        if empty:
            invalid.append((n, ""))
    found.valid = valid
    found.numbers = list(unique)
    return found
