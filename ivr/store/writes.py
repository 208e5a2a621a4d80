"""The writer's jobs: each runs inside the writer's open transaction.

A job changes the database with a single statement, or inside a savepoint, so
that its failure undoes exactly its own work and nothing of the batch around it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from itertools import islice
from typing import Any

from ivr.domain import OBJECTIONS, OptOut, OptOutKind
from ivr.store import chain, consents, trail
from ivr.store.database import INTEGRITY_ERRORS, Database, in_savepoint, is_unique_violation
from ivr.store.errors import (
    AlreadyRevoked,
    CallNotFound,
    IntegrityViolation,
    OptOutNotFound,
)
from ivr.store.queries import NOT_REVOKED
from ivr.store.rows import (
    CALL_COLUMNS,
    OPTOUT_COLUMNS,
    OPTOUT_NAMES,
    optout_from_row,
    optout_from_values,
)
from ivr.store.writer import Bulk


def _marks(columns: str) -> str:
    """``(?, ?, …)``: one placeholder per column of ``columns``."""
    return "(" + ", ".join("?" for _ in columns.split(",")) + ")"


# The statements are built from the column constants only; every value is a parameter.
_INSERT_CALL = f"INSERT INTO calls ({CALL_COLUMNS}) VALUES {_marks(CALL_COLUMNS)}"  # noqa: S608


async def insert_call(db: Database, params: Sequence[Any]) -> None:
    await db.execute(_INSERT_CALL, params)


async def set_call_number(db: Database, call_id: str, number: str, source: str) -> None:
    changed = await db.execute(
        "UPDATE calls SET number = ?, number_source = ? WHERE id = ?", (number, source, call_id)
    )
    if not changed:
        raise CallNotFound(call_id)


_ID, _NUMBER, _ADVERTISER, _KIND, _SOURCE, _CALL_ID = 0, 1, 2, 3, 6, 8
"""Positions in the values of :func:`ivr.store.rows.optout_params`."""
_CHAINED_COLUMNS = OPTOUT_COLUMNS + ", hash, chain_seq"
_CHAINED_MARKS = _marks(_CHAINED_COLUMNS)
_INSERT_CHAINED_HEAD = f"INSERT INTO optouts ({_CHAINED_COLUMNS}) VALUES "  # noqa: S608


async def insert_optout(db: Database, arg: Sequence[Any]) -> OptOut:
    """Insert one opt-out; an IVR opt-out already recorded for (call, kind) is returned instead."""
    (optout,) = await insert_optouts(db, [arg])
    return optout


async def insert_optouts(db: Database, args: list[Sequence[Any]]) -> list[OptOut]:
    """:func:`insert_optout` for many: the new rows chained and inserted in multi-row inserts."""
    recorded = await _recorded_for_calls(db, args)
    fresh: list[Sequence[Any]] = []
    for params in args:
        key = _ivr_key(params)
        if key is not None and key in recorded:
            continue
        if key is not None:
            recorded[key] = params[_ID]
        fresh.append(params)
    inserted = {row.id: row for row in await _insert_chained(db, fresh)}
    found = []
    for params in args:
        key = _ivr_key(params)
        optout_id = recorded[key] if key is not None else params[_ID]
        optout = inserted.get(optout_id)
        found.append(optout if optout is not None else await _optout_by_id(db, optout_id))
    return found


def _ivr_key(params: Sequence[Any]) -> tuple[str, str] | None:
    """(call, kind) of an IVR opt-out, recorded at most once."""
    if params[_SOURCE] != "ivr" or params[_KIND] == OptOutKind.REVOCATION.value:
        return None
    return (params[_CALL_ID], params[_KIND])


async def _recorded_for_calls(
    db: Database, args: list[Sequence[Any]]
) -> dict[tuple[str, str], str]:
    call_ids = sorted({key[0] for key in map(_ivr_key, args) if key is not None})
    if not call_ids:
        return {}
    marks = ", ".join("?" for _ in call_ids)
    rows = await db.fetchall(
        "SELECT call_id, kind, id FROM optouts WHERE source = 'ivr' AND kind != 'revocation'"  # noqa: S608
        f" AND call_id IN ({marks})",
        call_ids,
    )
    return {(row["call_id"], row["kind"]): row["id"] for row in rows}


async def _optout_by_id(db: Database, optout_id: str) -> OptOut:
    row = await db.fetchone(
        f"SELECT {OPTOUT_COLUMNS} FROM optouts WHERE id = ?",  # noqa: S608
        (optout_id,),
    )
    if row is None:
        raise IntegrityViolation(f"opt-out {optout_id} was not inserted")
    return optout_from_row(row)


async def _insert_chained(db: Database, rows: list[Sequence[Any]]) -> list[OptOut]:
    """Insert ``rows`` (in :data:`OPTOUT_COLUMNS` order) at the head of the opt-outs chain."""
    await trail.insert_chained(db, "optouts", OPTOUT_NAMES, rows, chain.optout_values_canonical)
    found = [optout_from_values(row) for row in rows]
    await consents.withdraw_for_objections(db, found, _new_id)
    return found


_CHAINED_NAMES = tuple(name.strip() for name in _CHAINED_COLUMNS.split(","))


def _new_id() -> str:
    return str(uuid.uuid4())


OPTOUTS: Bulk[Sequence[Any], OptOut] = Bulk("optout", insert_optout, insert_optouts)


async def insert_unless_active(
    db: Database, params: Sequence[Any], same: Callable[[OptOut], bool]
) -> tuple[OptOut, bool]:
    """Insert a manual opt-out unless an active row of the same number and advertiser
    is ``same``; that row, and whether it is new."""
    rows = await db.fetchall(
        f"SELECT {OPTOUT_COLUMNS} FROM optouts"  # noqa: S608
        f" WHERE number = ? AND advertiser = ? AND {NOT_REVOKED} ORDER BY created_at, id",
        (params[_NUMBER], params[_ADVERTISER]),
    )
    for row in rows:
        existing = optout_from_row(row)
        if same(existing):
            return existing, False
    return await insert_optout(db, params), True


async def revoke(db: Database, optout_id: str, params: Sequence[Any]) -> OptOut:
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
        (row,) = await _insert_chained(db, [params])
    except INTEGRITY_ERRORS as exc:
        if is_unique_violation(exc, "optouts_one_revocation", "optouts.revokes"):
            raise AlreadyRevoked(optout_id) from exc
        raise
    return row


async def insert_many(db: Database, rows: Sequence[Sequence[Any]]) -> int:
    """All of ``rows`` or none of them, chained; how many were new (ids are fresh uuids)."""

    async def work() -> int:
        return len(await _insert_chained(db, list(rows)))

    return await in_savepoint(db, "import_optouts", work)


_IMPORT_STEP = 1000
"""Rows per insert statement of an import, between two looks at the clock."""
_INSERT_CHAINED = _INSERT_CHAINED_HEAD + _CHAINED_MARKS

Imported = tuple[str, str, str, int]
"""What differs between the rows of an import: id, number, hash, chain_seq."""


async def insert_imported(
    db: Database,
    template: Sequence[Any],
    ids: Iterator[str],
    numbers: Sequence[str],
    limit_s: float,
) -> int:
    """Opt-outs alike but for id and number: ``template`` holds the values of one (in
    :data:`OPTOUT_COLUMNS` order), ``numbers`` the numbers to insert in order, chained.
    Stops once ``limit_s`` seconds have passed (the write lock is held meanwhile); how
    many of ``numbers`` are in. No row object is built for any of them. The connection
    keeps its pages in memory from then on (:attr:`Database.large_cache`)."""
    if db.large_cache:
        await db.execute(db.large_cache)

    async def work() -> int:
        seq, prev = await trail.chain_head(db, "optouts")
        links = chain.ImportLinks(dict(zip(_CHAINED_NAMES, template, strict=False)))
        shared = tuple(template[2:])
        objection = OptOutKind(template[_KIND]) in OBJECTIONS and await _has_consents(
            db, template[_ADVERTISER]
        )
        started = time.monotonic()
        built = 0
        while built < len(numbers) and (not built or time.monotonic() - started < limit_s):
            step = numbers[built : built + _IMPORT_STEP]
            step_ids = list(islice(ids, len(step)))
            hashes = links.hashes(prev, step_ids, step)
            rows = list(
                zip(step_ids, step, hashes, range(seq + 1, seq + 1 + len(step)), strict=True)
            )
            await _insert_alike(db, shared, rows)
            if objection:
                await _withdraw_consents(db, [(i, n, *shared, h, s) for i, n, h, s in rows])
            seq, prev = rows[-1][3], rows[-1][2]
            built += len(rows)
        await trail.move_chain_head(db, "optouts", seq, prev)
        return built

    return await in_savepoint(db, "import_optouts", work)


async def _insert_alike(db: Database, shared: Sequence[Any], rows: Sequence[Imported]) -> None:
    """Insert ``rows``, each with the ``shared`` values between its number and its hash.

    Where the database reads numbered marks (:attr:`Database.numbered_marks`) the rows go
    in as one statement binding each row's four values and the shared ones once: binding
    sixteen values a row cost more than the insert itself, and a JSON array of the rows
    (the way before) cost SQLite some 0.8 µs a row to take apart again.
    """
    if not db.numbered_marks:
        await db.executemany(_INSERT_CHAINED, [(i, n, *shared, h, s) for i, n, h, s in rows])
        return
    given = "".join([i + n for i, n, _, _ in rows])
    if '"' in given or "\\" in given:
        raise ValueError("an imported id, number or hash is not plain text")
    params: list[Any] = [value for row in rows for value in row]
    params.extend(shared)
    await db.execute(_insert_numbered(len(rows), len(shared)), params)


@cache
def _insert_numbered(count: int, shared: int) -> str:
    """The insert of ``count`` rows: row ``r``'s own values are marks ``4r+1`` to ``4r+4``,
    the ``shared`` values the marks after every row's."""
    between = ", ".join(f"?{4 * count + j}" for j in range(1, shared + 1))
    rows = ", ".join(
        f"(?{4 * r + 1}, ?{4 * r + 2}, {between}, ?{4 * r + 3}, ?{4 * r + 4})" for r in range(count)
    )
    return f"INSERT INTO optouts ({_CHAINED_COLUMNS}) VALUES {rows}"  # noqa: S608


async def _has_consents(db: Database, advertiser: str) -> bool:
    found = await db.scalar(
        "SELECT EXISTS (SELECT 1 FROM consents WHERE advertiser = ?)", (advertiser,)
    )
    return bool(found)


async def _withdraw_consents(db: Database, rows: Sequence[Sequence[Any]]) -> None:
    """An imported objection withdraws its number's consents, as any opt-out does."""
    advertiser = rows[0][_ADVERTISER]
    marks = ", ".join("?" for _ in rows)
    found = await db.fetchall(
        f"SELECT DISTINCT number FROM consents WHERE advertiser = ? AND number IN ({marks})",  # noqa: S608
        [advertiser, *(row[_NUMBER] for row in rows)],
    )
    consenting = {row["number"] for row in found}
    optouts = [optout_from_values(row) for row in rows if row[_NUMBER] in consenting]
    if optouts:
        await consents.withdraw_for_objections(db, optouts, _new_id)


_PURGEABLE = (
    "FROM calls c WHERE c.ended_at IS NOT NULL AND c.ended_at < ? AND NOT EXISTS"
    " (SELECT 1 FROM optouts o WHERE o.call_id = c.id AND o.kind != 'revocation'"
    " AND NOT EXISTS (SELECT 1 FROM optouts r WHERE r.revokes = o.id))"
)
"""Calls ended before ``?`` that no opt-out in force points to
(docs/design.md 10.2: purge keeps proof)."""


def _purgeable(keep: Sequence[tuple[str, str]]) -> str:
    """:data:`_PURGEABLE`, except calls of a profile kept longer that ended after its cut-off."""
    kept = " OR ".join("(c.profile = ? AND c.ended_at >= ?)" for _ in keep)
    return _PURGEABLE + (f" AND NOT ({kept})" if keep else "")


async def purge_evidence(
    db: Database, before: str, purged_at: str, keep: Sequence[tuple[str, str]] = ()
) -> int:
    """Remove the purgeable calls and their events, leaving a tombstone each; how many calls.

    ``keep``: (profile, cut-off) pairs of profiles whose evidence is kept longer.
    """
    purgeable = _purgeable(keep)
    params = (before, *(value for pair in keep for value in pair))

    async def work() -> int:
        await db.execute("INSERT INTO evidence_maintenance (reason) VALUES ('purge')")
        await db.execute(
            "INSERT INTO purged_calls (call_id, ended_at, evidence_head, seal_seq, purged_at)"
            " SELECT c.id, c.ended_at, c.evidence_head, c.seal_seq, ? " + purgeable,
            (purged_at, *params),
        )
        events = "DELETE FROM call_events WHERE call_id IN (SELECT c.id " + purgeable + ")"  # noqa: S608
        await db.execute(events, params)
        calls = "DELETE FROM calls WHERE id IN (SELECT c.id " + purgeable + ")"  # noqa: S608
        removed = await db.execute(calls, params)
        await db.execute("DELETE FROM evidence_maintenance WHERE reason = 'purge'")
        return removed

    return await in_savepoint(db, "purge_evidence", work)


async def probe(db: Database) -> None:
    """A write of no consequence, in the writer's transaction (``/readyz``)."""
    await db.execute(db.write_probe)
