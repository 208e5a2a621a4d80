"""``ivr import FILE``: load an existing suppression list (source ``import``).

The whole file is checked first: one invalid number stops the import before
anything is written, unless ``--skip-invalid``. Numbers that already have the
same active opt-out are skipped, so running an import twice adds nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ivr.commands.optout import KINDS, add_register_options, charities_flag, missing_charities
from ivr.commands.progress import Progress
from ivr.commands.store_access import OK, add_db_option, fail, run_with_store, setup
from ivr.domain import OptOutKind, OptOutRequest, OptOutSource, same_entry
from ivr.rules.numbers import normalize
from ivr.scrub import CsvLayout, data_records, inspect_csv
from ivr.store import Store
from ivr.suppressions import InputError, ensure_advertiser, optout_request

BATCH = 5000
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
    parser.add_argument(
        "--column",
        action="append",
        default=[],
        metavar="NAME",
        help="a number column by its header (headerless file: #1, #2…); repeatable",
    )
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
        with args.file.open("rb") as source:
            layout = inspect_csv(source, args.column)
            invalid, first_valid = _check(source, layout)
            if invalid and not args.skip_invalid:
                shown = ", ".join(f"record {n} ({raw!r})" for n, raw in invalid[:SHOWN_INVALID])
                raise InputError(
                    "invalid_number",
                    f"{len(invalid)} invalid numbers, nothing imported: {shown} "
                    "(--skip-invalid imports the rest)",
                )
            if first_valid is None:
                raise InputError("invalid_number", f"{args.file}: no valid number to import")
            template = optout_request(
                number=first_valid,
                advertiser=args.advertiser,
                kind=OptOutKind(args.kind),
                source=OptOutSource.IMPORT,
                created_by=f"import:{args.file.name}",
                profile=where.profile,
                scope=args.scope,
                charities=charities_flag(args.charities),
            )
            added, present = await _load(store, source, layout, template)
        print(
            f"imported {added} opt-outs; {present} already present or repeated; "
            f"{len(invalid)} invalid numbers skipped",
            file=sys.stderr,
        )
        return OK

    return run_with_store(where, work)


def _numbers(source: BinaryIO, layout: CsvLayout) -> Iterator[tuple[int, str]]:
    """(record number, cell) of every number cell that holds something; a record whose
    number cells are all empty gives one empty cell (an invalid number)."""
    for n, cells in data_records(source, layout):
        found = [cells[i] for i in layout.columns if i < len(cells) and cells[i].strip()]
        if not found:
            yield n, ""
        for cell in found:
            yield n, cell


def _check(source: BinaryIO, layout: CsvLayout) -> tuple[list[tuple[int, str]], str | None]:
    invalid: list[tuple[int, str]] = []
    first_valid: str | None = None
    for n, raw in _numbers(source, layout):
        if normalize(raw) is None:
            invalid.append((n, raw))
        elif first_valid is None:
            first_valid = raw
    return invalid, first_valid


async def _load(
    store: Store, source: BinaryIO, layout: CsvLayout, template: OptOutRequest
) -> tuple[int, int]:
    added = present = 0
    numbers = (normalize(raw) for _, raw in _numbers(source, layout))
    with Progress("import") as progress:
        batch: list[str] = []
        for number in numbers:
            if number is not None:
                batch.append(number)
            if len(batch) >= BATCH:
                added, present = await _load_batch(store, batch, template, added, present)
                progress.advance(len(batch))
                batch = []
        if batch:
            added, present = await _load_batch(store, batch, template, added, present)
            progress.advance(len(batch))
    return added, present


async def _load_batch(
    store: Store, batch: list[str], template: OptOutRequest, added: int, present: int
) -> tuple[int, int]:
    unique = list(dict.fromkeys(batch))
    existing = await store.active_optouts_many(unique, template.advertiser)

    def present_already(number: str) -> bool:
        wanted = dataclasses.replace(template, number=number)
        return any(same_entry(row, wanted) for row in existing[number])

    new = [n for n in unique if not present_already(n)]
    added += await store.import_optouts(dataclasses.replace(template, number=n) for n in new)
    return added, present + len(batch) - len(new)
