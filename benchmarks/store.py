"""Durable opt-out commits per second: group commit vs one transaction each vs bare sqlite3.

Every figure counts opt-outs whose transaction was committed with
``synchronous=FULL`` in WAL mode (fsynced) before the writer was told, each chained
(hash, chain_seq) as the store chains them.

    python benchmarks/store.py [--rows 20000] [--writers 500]

The last line is one JSON object with every figure; ``optouts_per_s`` (the store's group
commit, ``--writers`` concurrent writers) and ``sqlite_bare_per_s`` (one row per
transaction from one thread, same disk and table layout) are the keys ``make bench``
reports (issue 14).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sqlite3
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from ivr.clock import LoopClock
from ivr.domain import OptOutKind, OptOutRequest, OptOutSource
from ivr.logs import configure_logging
from ivr.store import Store
from ivr.store.rows import OPTOUT_COLUMNS, optout_params

INSERT = (
    f"INSERT INTO optouts ({OPTOUT_COLUMNS})"
    f" VALUES ({', '.join('?' for _ in OPTOUT_COLUMNS.split(','))}) ON CONFLICT DO NOTHING"
)


def request(i: int) -> OptOutRequest:
    return OptOutRequest(
        number=f"+316{i % 100_000_000:08d}",
        advertiser="acme",
        kind=OptOutKind.RECHT_VAN_VERZET,
        source=OptOutSource.IVR,
        created_by="ivr",
        call_id=str(uuid.uuid4()),
    )


async def through_store(path: Path, rows: int, writers: int, *, group_commit: bool) -> float:
    """``writers`` concurrent callers share ``rows`` record_optout calls; opt-outs per second."""
    store = await Store.open(path, LoopClock(), group_commit=group_commit)
    counter = iter(range(rows))

    async def writer() -> None:
        for i in counter:
            await store.record_optout(request(i))

    try:
        started = time.perf_counter()
        await asyncio.gather(*(writer() for _ in range(writers)))
        elapsed = time.perf_counter() - started
    finally:
        await store.close()
    assert _count(path) == rows
    return rows / elapsed


def bare_sqlite(path: Path, rows: int) -> float:
    """The same inserts from one thread, one committed transaction each; opt-outs per second."""
    asyncio.run(_create(path))
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    started = time.perf_counter()
    for i in range(rows):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(INSERT, optout_params(str(uuid.uuid4()), _now(), request(i)))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    assert _count(path) == rows
    return rows / elapsed


async def _create(path: Path) -> None:
    store = await Store.open(path, LoopClock())
    await store.close()


def _now() -> datetime:
    return datetime.now(UTC)


def _count(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM optouts").fetchone()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000, help="opt-outs per measure")
    parser.add_argument("--writers", type=int, default=500, help="concurrent writers")
    args = parser.parse_args()
    configure_logging("json", level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="ivr-bench-") as folder:
        base = Path(folder)
        figures = {
            "optouts_per_s": asyncio.run(
                through_store(base / "group.sqlite3", args.rows, args.writers, group_commit=True)
            ),
            "per_txn_per_s": asyncio.run(
                through_store(base / "per-txn.sqlite3", args.rows, args.writers, group_commit=False)
            ),
            "sqlite_bare_per_s": bare_sqlite(base / "bare.sqlite3", args.rows),
        }
    print(f"durable opt-outs per second, {args.rows} rows each, WAL + synchronous=FULL")
    print(f"  group commit, {args.writers} writers:        {figures['optouts_per_s']:10,.0f}")
    print(f"  one transaction each, {args.writers} writers: {figures['per_txn_per_s']:10,.0f}")
    print(f"  bare sqlite3 loop, one thread:    {figures['sqlite_bare_per_s']:10,.0f}")
    ratio = figures["optouts_per_s"] / figures["sqlite_bare_per_s"]
    print(f"  group commit / bare: {ratio:.1f}x (issue 14 target: >= 5x)")
    result = {key: round(value, 1) for key, value in figures.items()}
    result["ratio_to_bare"] = round(ratio, 2)
    machine = {"cpus": os.cpu_count(), "load_1m": round(os.getloadavg()[0], 2)}
    print(json.dumps({**result, "writers": args.writers, "rows": args.rows, **machine}))


if __name__ == "__main__":
    main()
