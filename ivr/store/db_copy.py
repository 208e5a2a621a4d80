"""``ivr db copy``: every row of one store into an empty other, on either backend
(SQLite into PostgreSQL, and back: a backup is verified on SQLite, docs/design.md 14.26).

The source is read in one snapshot (a running ``ivr serve`` may go on writing);
the target is written in one transaction, so a failed copy leaves it empty.
Then each table is compared (its row count and a digest of its rows, in any
order) and the target's chains and checkpoints are recomputed with ``ivr
evidence verify``'s code.  Rows go over as they are: ids, times, canonical
texts and hashes byte for byte (``calls.extra``, ``jsonb`` on PostgreSQL, is
compared as JSON and written to SQLite as the store writes it).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ivr.store.backend import Backend
from ivr.store.database import Database
from ivr.store.errors import StoreError
from ivr.store.location import SqliteLocation
from ivr.store.verify import Report, verify


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    order: str
    """The order rows are written in: a row another refers to comes first."""
    json_columns: tuple[str, ...] = ()


TABLES = (
    Table("calls", "id", json_columns=("extra",)),
    Table("call_events", "call_id, seq"),
    Table("optouts", "chain_seq, created_at, id"),
    Table("consents", "chain_seq"),
    Table("chain_heads", "name"),
    Table("evidence_legacy", "chain"),
    Table("evidence_checkpoints", "seq"),
    Table("purged_calls", "call_id"),
    Table("idempotency_keys", "token_name, key"),
    Table("scrub_results", "id"),
)
NOT_COPIED = ("store_probe", "evidence_maintenance", "schema_migrations")
"""A health probe's row, a flag that lives inside one transaction, the migrations' own
bookkeeping (each backend has its own): nothing of the list."""

ROWS_PER_INSERT = 100
DIGEST_MODULUS = 2**256


class TargetNotEmpty(StoreError):
    """``ivr db copy`` writes only into an empty database."""


@dataclass(slots=True)
class TableCopy:
    name: str
    source_rows: int = 0
    target_rows: int = 0
    source_digest: int = 0
    target_digest: int = 0
    columns: list[str] = field(default_factory=list)

    @property
    def same(self) -> bool:
        return (self.source_rows, self.source_digest) == (self.target_rows, self.target_digest)

    def as_dict(self) -> dict[str, Any]:
        return {
            "table": self.name,
            "source_rows": self.source_rows,
            "target_rows": self.target_rows,
            "same": self.same,
        }


@dataclass(slots=True)
class CopyReport:
    tables: list[TableCopy]
    verified: Report

    @property
    def ok(self) -> bool:
        return all(t.same for t in self.tables) and not self.verified.mismatches


async def copy_store(source: Backend, target: Backend) -> CopyReport:
    """Copy every table of ``source`` into the empty ``target``; compare and verify."""
    copies = [TableCopy(table.name) for table in TABLES]
    async with source.snapshot() as reading:
        db = target.writer_db
        await db.begin()
        try:
            await _refuse_rows(db, target)
            for table, copied in zip(TABLES, copies, strict=True):
                await _copy_table(reading, db, table, copied, to_sqlite=_is_sqlite(target))
            await _seal_calls(reading, db)
            await db.commit()
        except BaseException:
            await db.rollback()
            raise
    for table, copied in zip(TABLES, copies, strict=True):
        await _read_target(target.reader, table, copied)
    async with target.snapshot() as snapshot:
        report = await verify(snapshot)
    return CopyReport(copies, report)


def _is_sqlite(backend: Backend) -> bool:
    return isinstance(backend.location, SqliteLocation)


async def _refuse_rows(db: Database, target: Backend) -> None:
    found = []
    for table in TABLES:
        if table.name == "chain_heads":
            sql = "SELECT COUNT(*) FROM chain_heads WHERE seq <> 0"
        else:
            sql = f"SELECT COUNT(*) FROM {table.name}"  # noqa: S608 - our own table names
        count = int(await db.scalar(sql))
        if count:
            found.append(f"{table.name}: {count}")
    if found:
        raise TargetNotEmpty(
            f"{target.location} is not empty ({', '.join(found)}): "
            "ivr db copy writes only into an empty database"
        )


async def _copy_table(
    reading: Database, db: Database, table: Table, copied: TableCopy, *, to_sqlite: bool
) -> None:
    batch: list[list[Any]] = []
    sql = f"SELECT * FROM {table.name} ORDER BY {table.order}"  # noqa: S608
    async for row in reading.stream(sql):
        if not copied.columns:
            copied.columns = list(row.keys())
        values = [row[c] for c in copied.columns]
        normal = _as_the_store_writes(copied.columns, values, table)
        copied.source_rows += 1
        copied.source_digest = _add(copied.source_digest, _digest(normal))
        batch.append(normal if to_sqlite else values)
        if len(batch) == ROWS_PER_INSERT:
            await _write(db, table, copied.columns, batch)
            batch = []
    if batch:
        await _write(db, table, copied.columns, batch)


async def _write(db: Database, table: Table, columns: list[str], rows: list[list[Any]]) -> None:
    if table.name == "chain_heads":  # the migrations wrote each chain's seed
        for row in rows:
            values = dict(zip(columns, row, strict=True))
            changed = await db.execute(
                "UPDATE chain_heads SET seq = ?, hash = ? WHERE name = ?",
                (values["seq"], values["hash"], values["name"]),
            )
            if not changed:
                await _insert(db, table.name, columns, [row])
        return
    if table.name == "calls":  # sealed after their events: a trigger refuses events of a seal
        ended = columns.index("ended_at")
        rows = [[*row[:ended], None, *row[ended + 1 :]] for row in rows]
    await _insert(db, table.name, columns, rows)


async def _insert(db: Database, name: str, columns: Sequence[str], rows: list[list[Any]]) -> None:
    one = "(" + ", ".join("?" for _ in columns) + ")"
    sql = (
        f"INSERT INTO {name} ({', '.join(columns)}) VALUES "  # noqa: S608
        + ", ".join(one for _ in rows)
    )
    await db.execute(sql, [value for row in rows for value in row])


async def _seal_calls(reading: Database, db: Database) -> None:
    pending: list[tuple[Any, Any]] = []
    sql = "SELECT id, ended_at FROM calls WHERE ended_at IS NOT NULL ORDER BY id"
    async for row in reading.stream(sql):
        pending.append((row["ended_at"], row["id"]))
        if len(pending) == ROWS_PER_INSERT:
            await db.executemany("UPDATE calls SET ended_at = ? WHERE id = ?", pending)
            pending = []
    await db.executemany("UPDATE calls SET ended_at = ? WHERE id = ?", pending)


async def _read_target(reader: Database, table: Table, copied: TableCopy) -> None:
    if not copied.columns:
        copied.target_rows = int(await reader.scalar(f"SELECT COUNT(*) FROM {table.name}"))  # noqa: S608
        return
    sql = f"SELECT {', '.join(copied.columns)} FROM {table.name}"  # noqa: S608
    async for row in reader.stream(sql):
        values = _as_the_store_writes(copied.columns, [row[c] for c in copied.columns], table)
        copied.target_rows += 1
        copied.target_digest = _add(copied.target_digest, _digest(values))


def _as_the_store_writes(columns: list[str], values: list[Any], table: Table) -> list[Any]:
    """``values`` with their JSON columns as the store writes them: the form both sides
    are compared in, and the one written to SQLite."""
    if not table.json_columns:
        return values
    return [
        _json_text(value) if column in table.json_columns else value
        for column, value in zip(columns, values, strict=True)
    ]


def _json_text(value: Any) -> Any:
    """As :func:`ivr.store.rows.call_params` writes it (PostgreSQL's jsonb has its own form)."""
    if value is None:
        return None
    return json.dumps(json.loads(value), ensure_ascii=False, sort_keys=True)


def _digest(values: list[Any]) -> int:
    cells = [_cell(value) for value in values]
    return int.from_bytes(hashlib.sha256("\x1f".join(cells).encode()).digest(), "big")


def _cell(value: Any) -> str:
    if value is None:
        return "n"
    if isinstance(value, bool):
        return f"i:{int(value)}"
    if isinstance(value, int):
        return f"i:{value}"
    if isinstance(value, bytes | bytearray | memoryview):
        return "b:" + bytes(value).hex()
    if isinstance(value, float):
        return f"f:{value!r}"
    return "s:" + str(value)


def _add(total: int, digest: int) -> int:
    """Rows in any order give the same sum (the backends order text differently)."""
    return (total + digest) % DIGEST_MODULUS
