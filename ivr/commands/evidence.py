"""``ivr evidence verify | checkpoint | checkpoints | export``: the tamper-evident trail."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ivr.commands.store_access import OK, SAYS_NO, add_db_option, fail, run_with_store, setup
from ivr.store import Store
from ivr.store.verify import read_kept_checkpoints


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "evidence",
        help="verify, checkpoint and export the tamper-evident evidence trail",
        description="The evidence of calls and opt-outs is hash-chained; checkpoints cover it "
        "and are meant to be kept elsewhere too.",
    )
    commands = parser.add_subparsers(dest="evidence_command", metavar="COMMAND", required=True)

    verify = commands.add_parser(
        "verify",
        help="recompute every chain, seal and checkpoint (exit 1 on a mismatch)",
        description="Prints one JSON line per finding (altered, missing, inserted, reordered: "
        "exit 1; unsealed, legacy: information) and a summary line last.",
    )
    verify.add_argument("--call", metavar="ID", help="only this call's events and seal")
    verify.add_argument(
        "--checkpoints",
        type=Path,
        metavar="FILE",
        help="checkpoints kept elsewhere (JSONL of `ivr evidence checkpoints`) to compare with",
    )
    add_db_option(verify)
    verify.set_defaults(run=run_verify)

    checkpoint = commands.add_parser(
        "checkpoint",
        help="write a checkpoint now and print it as JSON",
        description="Covers the calls sealed since the last checkpoint and the chain heads.",
    )
    add_db_option(checkpoint)
    checkpoint.set_defaults(run=run_checkpoint)

    listing = commands.add_parser(
        "checkpoints",
        help="print the checkpoints as JSONL (for the advertiser to keep elsewhere)",
    )
    listing.add_argument(
        "--since", type=int, default=0, metavar="SEQ", help="only those after checkpoint SEQ"
    )
    add_db_option(listing)
    listing.set_defaults(run=run_checkpoints)

    export = commands.add_parser(
        "export",
        help="one call's row and events exactly as stored, with their hashes (JSONL)",
    )
    export.add_argument("--call", required=True, metavar="ID")
    add_db_option(export)
    export.set_defaults(run=run_export)


def _line(value: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False) + "\n")


def run_verify(args: argparse.Namespace) -> int:
    where = setup(args)
    kept = None
    if args.checkpoints is not None:
        try:
            with args.checkpoints.open(encoding="utf-8") as handle:
                kept = read_kept_checkpoints(handle)
        except ValueError as exc:
            return fail(f"{args.checkpoints}: {exc}")

    async def work(store: Store) -> int:
        if args.call is not None and await store.get_call(args.call) is None:
            return fail(f"no call {args.call}")
        report = await store.verify_evidence(call_id=args.call, kept_checkpoints=kept)
        for finding in report.findings:
            _line(finding.as_dict())
        _line(report.summary())
        return SAYS_NO if report.mismatches else OK

    return run_with_store(where, work)


def run_checkpoint(args: argparse.Namespace) -> int:
    where = setup(args)

    async def work(store: Store) -> int:
        _line(await store.write_checkpoint())
        return OK

    return run_with_store(where, work)


def run_checkpoints(args: argparse.Namespace) -> int:
    where = setup(args)

    async def work(store: Store) -> int:
        for checkpoint in await store.checkpoints(since=args.since):
            _line(checkpoint)
        return OK

    return run_with_store(where, work)


def run_export(args: argparse.Namespace) -> int:
    where = setup(args)

    async def work(store: Store) -> int:
        rows = await store.export_call(args.call)
        if not rows:
            return fail(f"no call {args.call}")
        for row in rows:
            _line(row)
        return OK

    return run_with_store(where, work)
