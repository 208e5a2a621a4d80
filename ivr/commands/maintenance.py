"""``ivr backup FILE`` and ``ivr purge``: a consistent copy; old call evidence removed."""

from __future__ import annotations

import argparse
import json
from datetime import timedelta
from pathlib import Path

from ivr.clock import LoopClock
from ivr.commands.output import check_output_target
from ivr.commands.store_access import OK, add_db_option, fail, run_with_store, setup
from ivr.flow.profile import known_profiles, load_profile
from ivr.store import Store


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    backup = subparsers.add_parser(
        "backup",
        help="copy the database consistently (safe while ivr serve runs)",
        description="Write a consistent copy of the database to FILE (SQLite: its online "
        "backup; PostgreSQL: pg_dump -Fc of the server's version, from IVR_PG_DUMP, PATH or "
        "/usr/lib/postgresql/<major>/bin); FILE appears only when complete.",
    )
    backup.add_argument("target", metavar="FILE", type=Path)
    add_db_option(backup)
    backup.set_defaults(run=run_backup)

    purge = subparsers.add_parser(
        "purge",
        help="remove call evidence older than the retention period (never opt-outs)",
        description="Remove calls that ended more than N days ago and their events, except "
        "the calls an opt-out in force points to (their proof). Each removed call leaves a "
        "tombstone (id, end, seal) so the checkpoints still verify. Opt-outs are never removed. "
        "A profile's retention_days is a minimum: us-tcpa calls are kept 1,825 days.",
    )
    purge.add_argument(
        "--older-than-days",
        type=int,
        default=None,
        metavar="N",
        help="default: IVR_EVIDENCE_RETENTION_DAYS (730)",
    )
    add_db_option(purge)
    purge.set_defaults(run=run_purge)


def run_backup(args: argparse.Namespace) -> int:
    where = setup(args)
    check_output_target(args.target, "backup target")

    async def work(store: Store) -> int:
        await store.backup(args.target)
        print(json.dumps({"backup": str(args.target)}))
        return OK

    return run_with_store(where, work)


def run_purge(args: argparse.Namespace) -> int:
    where = setup(args)
    days = args.older_than_days
    if days is None:
        days = where.settings.evidence_retention_days
    if days < 1:
        return fail(f"--older-than-days must be at least 1, not {days}")

    async def work(store: Store) -> int:
        now = LoopClock().now()
        older_than = now - timedelta(days=days)
        keep = {
            profile.name: now - timedelta(days=profile.retention_days)
            for profile in map(load_profile, known_profiles())
            if profile.retention_days is not None and profile.retention_days > days
        }
        removed = await store.purge_evidence(older_than, keep)
        print(json.dumps({"calls_removed": removed, "ended_before": older_than.isoformat()}))
        return OK

    return run_with_store(where, work)
