"""The writer's jobs for the evidence trail: chained events, the seal, checkpoints.

Each runs inside the writer's open transaction (SQLite ``BEGIN IMMEDIATE``;
PostgreSQL reads a chain's head ``FOR UPDATE``), the lock under which a chain's
head is read and advanced (docs/design.md 14.10).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from ivr.store import chain
from ivr.store.database import Database, in_savepoint
from ivr.store.errors import CallNotFound, IntegrityViolation, StoreError
from ivr.store.writer import Bulk

EventParams = tuple[str, str, str, str]
"""``(call_id, at, kind, detail)`` of one call event; ``detail`` is its canonical text."""

_INSERT_EVENT = (
    "INSERT INTO call_events (call_id, seq, at, kind, detail, hash) VALUES (?, ?, ?, ?, ?, ?)"
)


@dataclass(slots=True)
class _Head:
    seq: int
    hash: str
    sealed: bool


async def _event_heads(db: Database, call_ids: Sequence[str]) -> dict[str, _Head]:
    """The last (seq, hash) of each call's events and whether it is sealed (known calls only)."""
    marks = ", ".join("?" for _ in call_ids)
    rows = await db.fetchall(
        "SELECT c.id, c.ended_at IS NOT NULL AS sealed, e.seq, e.hash FROM calls c"  # noqa: S608
        " LEFT JOIN call_events e ON e.call_id = c.id"
        " AND e.seq = (SELECT MAX(seq) FROM call_events WHERE call_id = c.id)"
        f" WHERE c.id IN ({marks})",
        list(call_ids),
    )
    return {
        row["id"]: _Head(
            seq=row["seq"] or 0,
            hash=row["hash"] if row["seq"] else chain.event_seed(row["id"]),
            sealed=bool(row["sealed"]),
        )
        for row in rows
    }


async def add_event(db: Database, arg: EventParams) -> bool:
    """Append one event at the head of its call's chain; ``False`` when the call is sealed."""
    heads = await _event_heads(db, [arg[0]])
    if arg[0] not in heads:
        raise CallNotFound(arg[0])
    return await _insert_events(db, heads, [arg]) == [True]


async def add_events(db: Database, args: list[EventParams]) -> list[bool]:
    """:func:`add_event` for many in one ``executemany``, ``seq`` in queue order."""
    heads = await _event_heads(db, sorted({arg[0] for arg in args}))
    if any(arg[0] not in heads for arg in args):
        raise IntegrityViolation("FOREIGN KEY constraint failed: unknown call")
    return await _insert_events(db, heads, args)


async def _insert_events(
    db: Database, heads: dict[str, _Head], args: list[EventParams]
) -> list[bool]:
    rows = []
    stored = []
    for call_id, at, kind, detail in args:
        head = heads[call_id]
        if head.sealed:
            stored.append(False)
            continue
        head.seq += 1
        head.hash = chain.event_hash(head.hash, call_id, head.seq, at, kind, detail)
        rows.append((call_id, head.seq, at, kind, detail, head.hash))
        stored.append(True)
    if rows:
        await db.executemany(_INSERT_EVENT, rows)
    return stored


EVENTS: Bulk[EventParams, bool] = Bulk("event", add_event, add_events)


@dataclass(frozen=True, slots=True)
class SealParams:
    call_id: str
    outcome: str
    rights: str | None  # canonical JSON text; None: no verdict (no rights row either)
    evidence_complete: bool
    ended_at: str


async def seal_call(db: Database, arg: SealParams) -> bool:
    """Write the ``rights`` row, then the end of the call with its head and ``seal_seq``.

    ``False`` when the call was sealed already (its first ending stays).
    """
    row = await db.fetchone("SELECT * FROM calls WHERE id = ?", (arg.call_id,))
    if row is None:
        raise CallNotFound(arg.call_id)
    if row["ended_at"] is not None:
        return False
    await in_savepoint(db, "seal", partial(_seal, db, dict(row), arg))
    return True


async def _seal(db: Database, call: dict[str, Any], arg: SealParams) -> None:
    heads = await _event_heads(db, [arg.call_id])
    if arg.rights is not None:
        await _insert_events(db, heads, [(arg.call_id, arg.ended_at, "rights", arg.rights)])
    call.update(
        ended_at=arg.ended_at,
        outcome=arg.outcome,
        rights=arg.rights,
        evidence_complete=int(bool(call["evidence_complete"]) and arg.evidence_complete),
    )
    head = chain.call_head(heads[arg.call_id].hash, call)
    seal_seq = await _advance_seals(db, arg.call_id, head)
    await db.execute(
        "UPDATE calls SET ended_at = ?, outcome = ?, rights = ?, evidence_complete = ?,"
        " evidence_head = ?, seal_seq = ? WHERE id = ? AND ended_at IS NULL",
        (
            arg.ended_at,
            arg.outcome,
            arg.rights,
            call["evidence_complete"],
            head,
            seal_seq,
            arg.call_id,
        ),
    )


async def _advance_seals(db: Database, call_id: str, evidence_head: str) -> int:
    """The next global ``seal_seq``; the seals chain links ``call_id:evidence_head``."""
    seq, prev = await chain_head(db, "seals")
    seq += 1
    await move_chain_head(
        db, "seals", seq, chain.link(prev, chain.seal_line(call_id, evidence_head))
    )
    return seq


_ROWS_PER_INSERT = 500
"""Rows per multi-row ``INSERT``: at most 18 values each, well under SQLite's 32,766."""


async def insert_chained(
    db: Database,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    canonical: Callable[[Sequence[Any]], str],
) -> None:
    """Insert ``rows`` (values of ``columns``) at the head of the chain named as ``table``
    (``optouts``, ``consents``), each with its ``hash`` and ``chain_seq``; ``canonical``
    gives the text a row's link hashes from its values. The rows are stored as given
    (every column is bound as it is), so callers build their results from ``rows``."""
    if not rows:
        return
    seq, prev = await chain_head(db, table)
    chained = []
    for values in rows:
        seq += 1
        prev = chain.link(prev, canonical(values))
        chained.append((*values, prev, seq))
    names = ", ".join(columns)
    marks = "(" + ", ".join("?" for _ in range(len(columns) + 2)) + ")"
    for start in range(0, len(chained), _ROWS_PER_INSERT):
        chunk = chained[start : start + _ROWS_PER_INSERT]
        await db.execute(
            f"INSERT INTO {table} ({names}, hash, chain_seq) VALUES "  # noqa: S608
            + ", ".join([marks] * len(chunk)),
            [value for values in chunk for value in values],
        )
    await move_chain_head(db, table, seq, prev)


async def chain_head(db: Database, name: str) -> tuple[int, str]:
    """``(seq, hash)`` of the head of the chain ``name`` (``optouts``, ``consents``, ``seals``),
    read to be advanced in the writer's transaction (SQLite ``BEGIN IMMEDIATE``; PostgreSQL
    ``SELECT … FOR UPDATE``), so every process appends to one chain in one order.

    On PostgreSQL the heads named before ``name`` are locked with it, in name order: a
    transaction then always takes heads in that order, whichever its jobs need first, so two
    processes' batches (an opt-out and a seal, in either order) wait for each other instead of
    deadlocking."""
    heads = await db.fetchall(
        "SELECT name, seq, hash FROM chain_heads WHERE name <= ? ORDER BY name"  # noqa: S608
        + db.for_update,
        (name,),
    )
    head = next((row for row in heads if row["name"] == name), None)
    if head is None:
        raise StoreError(f"chain_heads has no row {name!r}")
    return int(head["seq"]), str(head["hash"])


async def move_chain_head(db: Database, name: str, seq: int, head: str) -> None:
    await db.execute("UPDATE chain_heads SET seq = ?, hash = ? WHERE name = ?", (seq, head, name))


async def mark_incomplete(db: Database, call_id: str) -> None:
    """``evidence_complete = false`` on an open call (a sealed one keeps its seal)."""
    await db.execute(
        "UPDATE calls SET evidence_complete = 0 WHERE id = ? AND ended_at IS NULL", (call_id,)
    )


CHECKPOINT_NAMES = (*chain.CHECKPOINT_FIELDS, "prev", "hash")
"""A checkpoint's columns: the fields its hash covers, then ``prev`` and ``hash``."""
CHECKPOINT_COLUMNS = ", ".join(CHECKPOINT_NAMES)


async def write_checkpoint(db: Database, at: str) -> dict[str, Any]:
    """Append a checkpoint over the calls sealed since the last one and the chain heads.

    The heads are locked first (PostgreSQL), so the checkpoints of several processes follow
    one another instead of two taking the same ``seq``."""
    await chain_head(db, "seals")
    last = await db.fetchone(
        f"SELECT {CHECKPOINT_COLUMNS} FROM evidence_checkpoints"  # noqa: S608
        " ORDER BY seq DESC LIMIT 1"
    )
    heads = {
        row["name"]: (int(row["seq"]), str(row["hash"]))
        for row in await db.fetchall("SELECT name, seq, hash FROM chain_heads")
    }
    seal_from = 0 if last is None else int(last["seal_to"])
    seal_to = heads["seals"][0]
    lines = await sealed_lines(db, seal_from, seal_to)
    checkpoint: dict[str, Any] = {
        "seq": 1 if last is None else int(last["seq"]) + 1,
        "at": chain.hash_time(at),
        "seal_from": seal_from,
        "seal_to": seal_to,
        "calls_root": chain.calls_root(lines),
        "optouts_head": heads["optouts"][1],
        "optouts_seq": heads["optouts"][0],
        "consents_head": heads["consents"][1],
        "consents_seq": heads["consents"][0],
        "prev": chain.seed(chain.CHECKPOINTS_SEED) if last is None else str(last["hash"]),
    }
    checkpoint["hash"] = chain.checkpoint_hash(checkpoint["prev"], checkpoint)
    await db.execute(
        f"INSERT INTO evidence_checkpoints ({CHECKPOINT_COLUMNS})"  # noqa: S608
        f" VALUES ({', '.join('?' for _ in CHECKPOINT_NAMES)})",
        [checkpoint[name] for name in CHECKPOINT_NAMES],
    )
    return checkpoint


async def sealed_lines(db: Database, seal_from: int, seal_to: int) -> list[str]:
    """``call_id:evidence_head`` of the calls (kept or purged) with ``seal_seq`` in (from, to]."""
    rows = await db.fetchall(
        "SELECT id, evidence_head FROM calls WHERE seal_seq > ? AND seal_seq <= ?"
        " UNION ALL SELECT call_id, evidence_head FROM purged_calls"
        " WHERE seal_seq > ? AND seal_seq <= ?",
        (seal_from, seal_to, seal_from, seal_to),
    )
    return [chain.seal_line(row[0], row[1]) for row in rows]


def rights_text(rights: Mapping[str, str]) -> str:
    return chain.canonical_json(dict(rights))
