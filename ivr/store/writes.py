"""The writer's jobs: each runs inside the writer's open transaction.

A job changes the database with a single statement, or inside a savepoint, so
that its failure undoes exactly its own work and nothing of the batch around it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from ivr.domain import OptOut, OptOutKind, OptOutRequest
from ivr.store.db import Db
from ivr.store.errors import AlreadyRevoked, CallNotFound, OptOutNotFound
from ivr.store.rows import optout_from_row

_INSERT_OPTOUT = (
    "INSERT INTO optouts (id, number, advertiser, kind, scope, charities, source, agent,"
    " call_id, created_at, created_by, revokes, reason)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
_RETURNING_OPTOUT = (
    " RETURNING id, number, advertiser, kind, scope, charities, source, agent, call_id,"
    " created_at, created_by, revokes, reason"
)


async def insert_call(db: Db, params: Sequence[Any]) -> None:
    await db.execute(
        "INSERT INTO calls (id, channel_id, advertiser, campaign, agent, script, number,"
        " number_source, lang, profile, extra, started_at, ended_at, outcome)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        params,
    )


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


async def add_event(db: Db, call_id: str, at: str, kind: str, detail: str) -> int:
    """Append an event with the next ``seq`` of its call; that ``seq``."""
    try:
        rows = await db.fetchall(
            "INSERT INTO call_events (call_id, seq, at, kind, detail)"
            " SELECT ?, COALESCE(MAX(seq), 0) + 1, ?, ?, ? FROM call_events WHERE call_id = ?"
            " RETURNING seq",
            (call_id, at, kind, detail, call_id),
        )
    except sqlite3.IntegrityError as exc:
        if "FOREIGN KEY" in str(exc):
            raise CallNotFound(call_id) from exc
        raise
    return int(rows[0]["seq"])


async def insert_optout(db: Db, params: Sequence[Any], request: OptOutRequest) -> OptOut:
    """Insert one opt-out; an IVR opt-out already recorded for (call, kind) is returned instead."""
    rows = await db.fetchall(_INSERT_OPTOUT + _RETURNING_OPTOUT, params)
    if rows:
        return optout_from_row(rows[0])
    existing = await db.fetchone(
        "SELECT id, number, advertiser, kind, scope, charities, source, agent, call_id,"
        " created_at, created_by, revokes, reason FROM optouts"
        " WHERE call_id = ? AND kind = ? AND source = 'ivr' AND kind != 'revocation'",
        (request.call_id, request.kind.value),
    )
    if existing is None:  # the id collided, which uuid4 does not do
        raise sqlite3.IntegrityError(f"opt-out {params[0]} was not inserted")
    return optout_from_row(existing)


async def revoke(db: Db, optout_id: str, params: Sequence[Any], requested_by: str) -> OptOut:
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
        rows = await db.fetchall(
            "INSERT INTO optouts (id, number, advertiser, kind, scope, charities, source, agent,"
            " call_id, created_at, created_by, revokes, reason, requested_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " RETURNING id, number, advertiser, kind, scope, charities, source, agent, call_id,"
            " created_at, created_by, revokes, reason",
            (*params, requested_by),
        )
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
