"""The writer's jobs: each runs inside the writer's open transaction.

A job changes the database with a single statement, or inside a savepoint, so
that its failure undoes exactly its own work and nothing of the batch around it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from ivr.domain import OptOut, OptOutKind
from ivr.store.db import Db
from ivr.store.errors import AlreadyRevoked, CallNotFound, OptOutNotFound
from ivr.store.rows import CALL_COLUMNS, OPTOUT_COLUMNS, optout_from_row
from ivr.store.writer import Bulk


def _marks(columns: str) -> str:
    """``(?, ?, …)``: one placeholder per column of ``columns``."""
    return "(" + ", ".join("?" for _ in columns.split(",")) + ")"


# The statements are built from the column constants only; every value is a parameter.
_OPTOUT_MARKS = _marks(OPTOUT_COLUMNS)
_INSERT_OPTOUTS_HEAD = f"INSERT INTO optouts ({OPTOUT_COLUMNS}) VALUES "  # noqa: S608
_INSERT_OPTOUT = _INSERT_OPTOUTS_HEAD + _OPTOUT_MARKS + " ON CONFLICT DO NOTHING"
_RETURNING_OPTOUT = f" RETURNING {OPTOUT_COLUMNS}"
_INSERT_CALL = f"INSERT INTO calls ({CALL_COLUMNS}) VALUES {_marks(CALL_COLUMNS)}"  # noqa: S608
_INSERT_REVOCATION = _INSERT_OPTOUTS_HEAD + _OPTOUT_MARKS


async def insert_call(db: Db, params: Sequence[Any]) -> None:
    await db.execute(_INSERT_CALL, params)


async def set_call_number(db: Db, call_id: str, number: str, source: str) -> None:
    changed = await db.execute(
        "UPDATE calls SET number = ?, number_source = ? WHERE id = ?", (number, source, call_id)
    )
    if not changed:
        raise CallNotFound(call_id)


async def end_call(db: Db, call_id: str, outcome: str, ended_at: str) -> bool:
    """Set the outcome once; ``False`` when the call already had one (the first one stays)."""
    changed = await db.execute(
        "UPDATE calls SET outcome = ?, ended_at = ? WHERE id = ? AND outcome IS NULL",
        (outcome, ended_at, call_id),
    )
    if changed:
        return True
    if await db.fetchone("SELECT 1 FROM calls WHERE id = ?", (call_id,)) is None:
        raise CallNotFound(call_id)
    return False


EventParams = tuple[str, str, str, str]
"""``(call_id, at, kind, detail)`` of one call event."""

_INSERT_EVENT = (
    "INSERT INTO call_events (call_id, seq, at, kind, detail)"
    " SELECT ?, COALESCE(MAX(seq), 0) + 1, ?, ?, ? FROM call_events WHERE call_id = ?"
)


async def add_event(db: Db, arg: EventParams) -> None:
    """Append an event with the next ``seq`` of its call."""
    try:
        await db.execute(_INSERT_EVENT, (*arg, arg[0]))
    except sqlite3.IntegrityError as exc:
        if "FOREIGN KEY" in str(exc):
            raise CallNotFound(arg[0]) from exc
        raise


async def add_events(db: Db, args: list[EventParams]) -> list[None]:
    """:func:`add_event` for many: one ``executemany``, ``seq`` still in queue order."""
    await db.executemany(_INSERT_EVENT, [(*arg, arg[0]) for arg in args])
    return [None] * len(args)


EVENTS: Bulk[EventParams, None] = Bulk("event", add_event, add_events)

_ID, _KIND, _CALL_ID = 0, 3, 8
"""Positions in the values of :func:`ivr.store.rows.optout_params`."""
_OPTOUTS_PER_STATEMENT = 500  # 14 values each, well under SQLite's 32,766 variables


async def insert_optout(db: Db, arg: Sequence[Any]) -> OptOut:
    """Insert one opt-out; an IVR opt-out already recorded for (call, kind) is returned instead."""
    (optout,) = await insert_optouts(db, [arg])
    return optout


async def insert_optouts(db: Db, args: list[Sequence[Any]]) -> list[OptOut]:
    """:func:`insert_optout` for many, with multi-row inserts."""
    inserted: dict[str, OptOut] = {}
    for start in range(0, len(args), _OPTOUTS_PER_STATEMENT):
        chunk = args[start : start + _OPTOUTS_PER_STATEMENT]
        rows = await db.fetchall(
            _INSERT_OPTOUTS_HEAD
            + ", ".join([_OPTOUT_MARKS] * len(chunk))
            + " ON CONFLICT DO NOTHING"
            + _RETURNING_OPTOUT,
            [value for params in chunk for value in params],
        )
        inserted.update((row["id"], optout_from_row(row)) for row in rows)
    found = []
    for params in args:
        optout = inserted.get(params[_ID])
        found.append(optout if optout is not None else await _recorded_for_call(db, params))
    return found


async def _recorded_for_call(db: Db, params: Sequence[Any]) -> OptOut:
    existing = await db.fetchone(
        f"SELECT {OPTOUT_COLUMNS} FROM optouts"  # noqa: S608
        " WHERE call_id = ? AND kind = ? AND source = 'ivr' AND kind != 'revocation'",
        (params[_CALL_ID], params[_KIND]),
    )
    if existing is None:  # the id collided, which uuid4 does not do
        raise sqlite3.IntegrityError(f"opt-out {params[_ID]} was not inserted")
    return optout_from_row(existing)


OPTOUTS: Bulk[Sequence[Any], OptOut] = Bulk("optout", insert_optout, insert_optouts)


async def revoke(db: Db, optout_id: str, params: Sequence[Any]) -> OptOut:
    """Insert the revocation row (``params``) of ``optout_id``."""
    target = await db.fetchone(
        "SELECT o.kind, r.id AS revoked_by FROM optouts o"
        " LEFT JOIN optouts r ON r.revokes = o.id WHERE o.id = ?",
        (optout_id,),
    )
    if target is None or target["kind"] == OptOutKind.REVOCATION.value:
        raise OptOutNotFound(optout_id)
    if target["revoked_by"] is not None:
        raise AlreadyRevoked(optout_id)
    try:
        rows = await db.fetchall(_INSERT_REVOCATION + _RETURNING_OPTOUT, params)
    except sqlite3.IntegrityError as exc:
        if "optouts.revokes" in str(exc):
            raise AlreadyRevoked(optout_id) from exc
        raise
    return optout_from_row(rows[0])


async def insert_many(db: Db, rows: Sequence[Sequence[Any]]) -> int:
    """All of ``rows`` or none of them; how many were new."""

    async def work() -> int:
        return await db.executemany(_INSERT_OPTOUT, rows)

    return await _in_savepoint(db, "import_optouts", work)


async def purge_evidence(db: Db, before: str) -> int:
    """Remove the calls that ended before ``before`` and their events; how many calls."""

    async def work() -> int:
        await db.execute(
            "DELETE FROM call_events WHERE call_id IN"
            " (SELECT id FROM calls WHERE ended_at IS NOT NULL AND ended_at < ?)",
            (before,),
        )
        return await db.execute(
            "DELETE FROM calls WHERE ended_at IS NOT NULL AND ended_at < ?", (before,)
        )

    return await _in_savepoint(db, "purge_evidence", work)


async def probe(db: Db, at: str) -> None:
    await db.execute(
        "INSERT INTO store_probe (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = ?",
        (at, at),
    )


async def _in_savepoint(db: Db, name: str, work: Callable[[], Awaitable[int]]) -> int:
    await db.execute(f"SAVEPOINT {name}")
    try:
        result = await work()
    except BaseException:
        if db.in_transaction:
            await db.execute(f"ROLLBACK TO {name}")
            await db.execute(f"RELEASE {name}")
        raise
    await db.execute(f"RELEASE {name}")
    return result
