"""Durable opt-out commits per second: group commit vs one transaction each vs a bare loop.

Every figure counts opt-outs whose transaction was committed with
``synchronous=FULL`` in WAL mode (fsynced) before the writer was told; the store's are
each chained (hash, chain_seq), the bare loops insert the same columns unchained.

    python benchmarks/store.py [--rows 20000] [--writers 500] [--db postgresql://…|postgresql]

``--db postgresql://…`` measures the same on that PostgreSQL server (the writer's
``synchronous_commit = on``) against a bare asyncpg loop, one transaction per row on one
connection, in the same run; ``--db postgresql`` starts a throw-away server of the
machine's binaries (as the tests do, but with ``fsync = on``) in a temporary folder.

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
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.postgres_server import bench_database, db_option
from ivr.clock import LoopClock
from ivr.domain import OptOutKind, OptOutRequest, OptOutSource
from ivr.logs import configure_logging
from ivr.store import Store
from ivr.store.ids import TimeOrderedIds
from ivr.store.location import PostgresLocation, parse_location
from ivr.store.pg.db import connect, numbered
from ivr.store.rows import OPTOUT_COLUMNS, optout_params

INSERT = (
    f"INSERT INTO optouts ({OPTOUT_COLUMNS})"
    f" VALUES ({', '.join('?' for _ in OPTOUT_COLUMNS.split(','))}) ON CONFLICT DO NOTHING"
)


CALL_IDS = TimeOrderedIds()
"""Call ids as ``ivr serve`` makes them (``ivr.flow.session``): time-ordered."""


def request(i: int) -> OptOutRequest:
    return OptOutRequest(
        number=f"+316{i % 100_000_000:08d}",
        advertiser="acme",
        kind=OptOutKind.RECHT_VAN_VERZET,
        source=OptOutSource.IVR,
        created_by="ivr",
        call_id=CALL_IDS(),
    )


async def through_store(
    path: Path | str, rows: int, writers: int, *, group_commit: bool
) -> tuple[float, float]:
    """``writers`` concurrent callers share ``rows`` record_optout calls; opt-outs per second,
    and this process's CPU (every thread, the database's too) in microseconds per opt-out."""
    before = await _count_any(path)
    store = await Store.open(path, LoopClock(), group_commit=group_commit)
    counter = iter(range(rows))

    async def writer() -> None:
        for i in counter:
            await store.record_optout(request(i))

    try:
        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(writer() for _ in range(writers)))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        await store.close()
    assert await _count_any(path) - before == rows
    return rows / elapsed, cpu / rows * 1e6


def bare_sqlite(path: Path, rows: int) -> tuple[float, float]:
    """The same inserts from one thread, one committed transaction each; opt-outs per second
    and CPU microseconds per opt-out."""
    asyncio.run(_create(path))
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    ids = TimeOrderedIds()  # as the store makes an opt-out's id
    started, cpu = time.perf_counter(), time.process_time()
    for i in range(rows):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(INSERT, optout_params(ids(), _now(), request(i)))
        conn.execute("COMMIT")
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    conn.close()
    assert _count(path) == rows
    return rows / elapsed, cpu / rows * 1e6


async def bare_asyncpg(url: str, rows: int) -> float:
    """The same inserts on one connection, one committed transaction each (``synchronous_commit
    = on``, as the store's writer), one after the other; opt-outs per second."""
    await _create(url)
    before = await _count_any(url)
    conn = await connect(url, synchronous_commit=True)
    try:
        insert = await conn.prepare(numbered(INSERT))
        started = time.perf_counter()
        ids = TimeOrderedIds()
        for i in range(rows):
            async with conn.transaction():
                await insert.fetch(*optout_params(ids(), _now(), request(i)))
        elapsed = time.perf_counter() - started
    finally:
        await conn.close()
    assert await _count_any(url) - before == rows
    return rows / elapsed


async def _count_any(db: Path | str) -> int:
    location = parse_location(db)
    if not isinstance(location, PostgresLocation):
        return _count(location.path) if location.path.exists() else 0
    conn = await asyncpg.connect(location.url)
    try:
        if await conn.fetchval("SELECT to_regclass('optouts') IS NULL"):
            return 0
        return int(await conn.fetchval("SELECT COUNT(*) FROM optouts"))
    finally:
        await conn.close()


FACTS = ("fsync", "server_version")


async def _server_facts(url: str) -> dict[str, str]:
    conn = await asyncpg.connect(url)
    try:
        return {name: str(await conn.fetchval(f"SHOW {name}")) for name in FACTS}
    finally:
        await conn.close()


async def _create(path: Path | str) -> None:
    store = await Store.open(path, LoopClock())
    await store.close()


def _now() -> datetime:
    return datetime.now(UTC)


def _count(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM optouts").fetchone()[0])


def postgres_figures(url: str, rows: int, writers: int) -> dict[str, float]:
    """Group commit, one transaction each, and the bare asyncpg loop, on one database."""
    group, group_cpu = asyncio.run(through_store(url, rows, writers, group_commit=True))
    return {
        "optouts_per_s": group,
        "per_txn_per_s": asyncio.run(through_store(url, rows, writers, group_commit=False))[0],
        "pg_bare_per_s": asyncio.run(bare_asyncpg(url, rows)),
        "optouts_cpu_us_per_row": group_cpu,
    }


def report(figures: dict[str, float], bare_key: str, **facts: Any) -> None:
    """The ratio to the bare loop, then the last line: one JSON object, ``facts`` first."""
    ratio = figures["optouts_per_s"] / figures[bare_key]
    print(f"  group commit / bare: {ratio:.1f}x (issue 14 target: >= 5x)")
    result = {key: round(value, 1) for key, value in figures.items()}
    machine = {"cpus": os.cpu_count(), "load_1m": round(os.getloadavg()[0], 2)}
    print(json.dumps({**facts, **result, "ratio_to_bare": round(ratio, 2), **machine}))


def run_postgres(db: str, rows: int, writers: int) -> None:
    with bench_database(db) as url:
        figures = postgres_figures(url, rows, writers)
        facts = asyncio.run(_server_facts(url))
    print(
        f"durable opt-outs per second, {rows} rows each, PostgreSQL {facts['server_version']},"
        f" fsync={facts['fsync']}"
    )
    print(f"  group commit, {writers} writers:        {figures['optouts_per_s']:10,.0f}")
    print(f"  one transaction each, {writers} writers: {figures['per_txn_per_s']:10,.0f}")
    print(f"  bare asyncpg loop, one connection: {figures['pg_bare_per_s']:10,.0f}")
    report(figures, "pg_bare_per_s", backend="postgresql", **facts, writers=writers, rows=rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000, help="opt-outs per measure")
    parser.add_argument("--writers", type=int, default=500, help="concurrent writers")
    parser.add_argument(
        "--db",
        type=db_option,
        default=None,
        metavar="DB",
        help="postgresql://… (a server to measure), or postgresql (start one); default: SQLite",
    )
    args = parser.parse_args()
    configure_logging("json", level=logging.WARNING)
    if args.db is not None:
        run_postgres(args.db, args.rows, args.writers)
        return
    with tempfile.TemporaryDirectory(prefix="ivr-bench-") as folder:
        base = Path(folder)
        group, group_cpu = asyncio.run(
            through_store(base / "group.sqlite3", args.rows, args.writers, group_commit=True)
        )
        per_txn, _ = asyncio.run(
            through_store(base / "per-txn.sqlite3", args.rows, args.writers, group_commit=False)
        )
        bare, bare_cpu = bare_sqlite(base / "bare.sqlite3", args.rows)
        figures = {
            "optouts_per_s": group,
            "per_txn_per_s": per_txn,
            "sqlite_bare_per_s": bare,
            "optouts_cpu_us_per_row": group_cpu,
            "sqlite_bare_cpu_us_per_row": bare_cpu,
        }
    print(f"durable opt-outs per second, {args.rows} rows each, WAL + synchronous=FULL")
    print(f"  group commit, {args.writers} writers:        {figures['optouts_per_s']:10,.0f}")
    print(f"  one transaction each, {args.writers} writers: {figures['per_txn_per_s']:10,.0f}")
    print(f"  bare sqlite3 loop, one thread:    {figures['sqlite_bare_per_s']:10,.0f}")
    print(
        f"  CPU per opt-out: group commit {group_cpu:.1f} µs, bare loop {bare_cpu:.1f} µs"
        " (process CPU, every thread)"
    )
    report(figures, "sqlite_bare_per_s", writers=args.writers, rows=args.rows)


if __name__ == "__main__":
    main()
