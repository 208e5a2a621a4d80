"""``ivr consent add|withdraw|import|export`` (docs/design.md 11.2, 14.24).

An import is checked whole first: an invalid row refuses the file (nothing is
written) unless ``--skip-invalid``; a consent already stored, or repeated in the
file (number, advertiser, scope, obtained_at), is skipped and counted.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections.abc import Iterator
from pathlib import Path

from ivr.api.export import ExportFormat, consent_lines
from ivr.api.schemas import ConsentEntry
from ivr.clock import LoopClock
from ivr.commands.output import output_file
from ivr.commands.store_access import OK, Setup, add_db_option, fail, run_with_store, setup
from ivr.consents import consent_request
from ivr.domain import ConsentChannel, ConsentRequest
from ivr.flow.profile import Profile
from ivr.store import Store
from ivr.suppressions import InputError, ensure_advertiser, parse_number, parse_since

IMPORT_COLUMNS = ("number", "obtained_at", "proof_ref", "verified_at", "expires_at", "scope")
SHOWN_INVALID = 5
CHANNELS = [channel.value for channel in ConsentChannel]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "consent", help="record, withdraw, import or export consents (opt-in regimes)"
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    add = actions.add_parser(
        "add", help="record a consent; prints it as JSON", description="Record a consent."
    )
    add.add_argument("number", metavar="NUMBER")
    add.add_argument("--advertiser", required=True, metavar="ID")
    add.add_argument("--scope", metavar="all|CAT,CAT", help="all (the default) or categories")
    add.add_argument("--channel", required=True, choices=CHANNELS)
    add.add_argument("--obtained-at", required=True, metavar="ISO8601")
    add.add_argument("--proof-ref", metavar="TEXT", help="where the proof is kept")
    add.add_argument("--verified-at", metavar="ISO8601")
    add.add_argument("--expires-at", metavar="ISO8601")
    add_db_option(add)
    add.set_defaults(run=run_add)

    withdraw = actions.add_parser(
        "withdraw",
        help="withdraw a consent; prints the withdrawal as JSON",
        description="Write a withdrawal row for consent ID (the consent itself is kept).",
    )
    withdraw.add_argument("consent_id", metavar="ID")
    withdraw.add_argument("--reason", required=True, metavar="TEXT")
    withdraw.add_argument(
        "--requested-by", default="consumer", metavar="WHO", help="default: consumer"
    )
    add_db_option(withdraw)
    withdraw.set_defaults(run=run_withdraw)

    load = actions.add_parser(
        "import",
        help="load consents from a CSV file",
        description="Load FILE (CSV with a header; columns number, obtained_at, proof_ref, "
        "verified_at, expires_at, scope; scope all or categories joined by |) as consents "
        "of ADVERTISER obtained by CHANNEL.",
    )
    load.add_argument("file", metavar="FILE", type=Path)
    load.add_argument("--advertiser", required=True, metavar="ID")
    load.add_argument("--channel", required=True, choices=CHANNELS)
    load.add_argument(
        "--skip-invalid", action="store_true", help="import the valid rows, skip the rest"
    )
    add_db_option(load)
    load.set_defaults(run=run_import)

    export = actions.add_parser(
        "export",
        help="export consents and withdrawals (CSV by default) to stdout or -o FILE",
        description="Export consents and withdrawals with the columns of GET /v1/consents.",
    )
    export.add_argument("-o", "--output", metavar="FILE", help="default: stdout")
    export.add_argument("--advertiser", metavar="ID")
    export.add_argument("--number", metavar="NUMBER")
    export.add_argument("--since", metavar="DATE", help="ISO 8601 date or date-time")
    export.add_argument(
        "--format", choices=[f.value for f in ExportFormat], default=ExportFormat.CSV.value
    )
    add_db_option(export)
    export.set_defaults(run=run_export)


def _profile(where: Setup, advertiser: str) -> Profile:
    return where.regimes.profile_for(advertiser, LoopClock().now())


def run_add(args: argparse.Namespace) -> int:
    where = setup(args, db_must_exist=False)

    async def work(store: Store) -> int:
        wanted = consent_request(
            number=args.number,
            advertiser=args.advertiser,
            channel=args.channel,
            obtained_at=args.obtained_at,
            created_by="cli",
            profile=_profile(where, args.advertiser),
            now=LoopClock().now(),
            scope=args.scope,
            proof_ref=args.proof_ref,
            verified_at=args.verified_at,
            expires_at=args.expires_at,
        )
        await ensure_advertiser(store, where.settings, args.advertiser)
        row = await store.record_consent(wanted)
        print(ConsentEntry.of(row).model_dump_json(indent=2))
        return OK

    return run_with_store(where, work)


def run_withdraw(args: argparse.Namespace) -> int:
    where = setup(args)

    async def work(store: Store) -> int:
        row = await store.withdraw_consent(
            args.consent_id,
            reason=args.reason,
            requested_by=args.requested_by,
            created_by="cli",
        )
        print(ConsentEntry.of(row).model_dump_json(indent=2))
        return OK

    return run_with_store(where, work)


def run_import(args: argparse.Namespace) -> int:
    where = setup(args, db_must_exist=False)
    if not args.file.is_file():
        return fail(f"{args.file}: no such file")

    async def work(store: Store) -> int:
        await ensure_advertiser(store, where.settings, args.advertiser)
        profile = _profile(where, args.advertiser)
        valid, invalid = _read(args.file, args, profile)
        if invalid and not args.skip_invalid:
            shown = "; ".join(f"line {n}: {problem}" for n, problem in invalid[:SHOWN_INVALID])
            raise InputError(
                "invalid_row",
                f"{len(invalid)} invalid rows, nothing imported: {shown} "
                "(--skip-invalid imports the rest)",
            )
        added = await store.import_consents(valid)
        print(
            f"imported {added} consents; {len(valid) - added} already present or repeated; "
            f"{len(invalid)} invalid rows skipped",
            file=sys.stderr,
        )
        return OK

    return run_with_store(where, work)


def _read(
    path: Path, args: argparse.Namespace, profile: Profile
) -> tuple[list[ConsentRequest], list[tuple[int, str]]]:
    now = LoopClock().now()
    valid: list[ConsentRequest] = []
    invalid: list[tuple[int, str]] = []
    for line, row in _rows(path):
        scope = row.get("scope", "").strip()
        try:
            valid.append(
                consent_request(
                    number=row.get("number", ""),
                    advertiser=args.advertiser,
                    channel=args.channel,
                    obtained_at=row.get("obtained_at", ""),
                    created_by=f"import:{path.name}",
                    profile=profile,
                    now=now,
                    scope=scope.split("|") if scope and scope != "all" else None,
                    proof_ref=row.get("proof_ref") or None,
                    verified_at=row.get("verified_at") or None,
                    expires_at=row.get("expires_at") or None,
                )
            )
        except InputError as exc:
            invalid.append((line, exc.message))
    return valid, invalid


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row by lower-case header) of every non-empty data row; ``,`` or ``;``."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError("malformed_csv", f"{path}: not UTF-8 ({exc.reason})") from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [cell.strip().lower() for cell in next(reader, [])]
    missing = [name for name in ("number", "obtained_at") if name not in header]
    if missing:
        raise InputError(
            "malformed_csv",
            f"{path}: the header must name {', '.join(IMPORT_COLUMNS)} (missing: "
            f"{', '.join(missing)})",
        )
    for cells in reader:
        if any(cell.strip() for cell in cells):
            yield reader.line_num, dict(zip(header, cells, strict=False))


def run_export(args: argparse.Namespace) -> int:
    where = setup(args)

    async def work(store: Store) -> int:
        number = parse_number(args.number) if args.number else None
        since = parse_since(args.since, where.profile.hours.timezone)
        if args.advertiser:
            await ensure_advertiser(store, where.settings, args.advertiser)
        rows = store.iter_consents(advertiser=args.advertiser, number=number, since=since)
        with output_file(args.output) as out:
            async for piece in consent_lines(rows, ExportFormat(args.format)):
                out.write(piece.encode())
        return OK

    return run_with_store(where, work)
