"""Rows written before the chains existed are hashed once, at open (docs/design.md 14.11).

SQL has no SHA-256, so migration 0002 marks the calls it found ``legacy`` and
leaves the hashes null; :func:`hash_legacy_rows` fills them in one transaction
before the writer starts (SQLite only: PostgreSQL had no rows before its chains).
``ivr evidence verify`` reports these rows ``legacy``:
their hashes prove nothing about what happened to them before that moment.
"""

from __future__ import annotations

import structlog

from ivr.store import chain
from ivr.store.database import DATABASE_ERRORS, Database
from ivr.store.errors import StoreError
from ivr.store.trail import chain_head, move_chain_head

log = structlog.get_logger()

_PENDING = "SELECT EXISTS (SELECT 1 FROM evidence_legacy WHERE chain = 'pending')"


async def hash_legacy_rows(db: Database) -> None:
    if not await db.scalar(_PENDING):
        return
    try:
        await db.begin()
        if not await db.scalar(_PENDING):  # another process did it meanwhile
            await db.rollback()
            return
        await db.execute("INSERT INTO evidence_maintenance (reason) VALUES ('legacy')")
        events = await _hash_events(db)
        seals = await _seal_ended_calls(db)
        optouts = await _hash_optouts(db)
        await db.execute("DELETE FROM evidence_maintenance WHERE reason = 'legacy'")
        await db.execute("DELETE FROM evidence_legacy WHERE chain = 'pending'")
        await db.commit()
    except DATABASE_ERRORS as exc:
        await db.rollback()
        raise StoreError(f"hashing the rows from before the evidence chains failed: {exc}") from exc
    except BaseException:
        await db.rollback()
        raise
    log.info("store.legacy_rows_hashed", events=events, seals=seals, optouts=optouts)


async def _hash_events(db: Database) -> int:
    call_ids = [
        row[0]
        for row in await db.fetchall(
            "SELECT DISTINCT call_id FROM call_events WHERE hash IS NULL ORDER BY call_id"
        )
    ]
    updates = []
    for call_id in call_ids:
        prev = chain.event_seed(call_id)
        for row in await db.fetchall(
            "SELECT seq, at, kind, detail, hash FROM call_events WHERE call_id = ? ORDER BY seq",
            (call_id,),
        ):
            if row["hash"] is not None:
                prev = row["hash"]
                continue
            prev = chain.event_hash(
                prev, call_id, row["seq"], row["at"], row["kind"], row["detail"]
            )
            updates.append((prev, call_id, row["seq"]))
    await db.executemany("UPDATE call_events SET hash = ? WHERE call_id = ? AND seq = ?", updates)
    return len(updates)


async def _seal_ended_calls(db: Database) -> int:
    calls = await db.fetchall(
        "SELECT * FROM calls WHERE ended_at IS NOT NULL AND evidence_head IS NULL"
        " ORDER BY ended_at, id"
    )
    seq, seals_hash = await chain_head(db, "seals")
    for call in calls:
        last = await db.scalar(
            "SELECT hash FROM call_events WHERE call_id = ? ORDER BY seq DESC LIMIT 1",
            (call["id"],),
        )
        head = chain.call_head(last or chain.event_seed(call["id"]), dict(call))
        seq += 1
        seals_hash = chain.link(seals_hash, chain.seal_line(call["id"], head))
        await db.execute(
            "UPDATE calls SET evidence_head = ?, seal_seq = ? WHERE id = ?", (head, seq, call["id"])
        )
    await move_chain_head(db, "seals", seq, seals_hash)
    return len(calls)


async def _hash_optouts(db: Database) -> int:
    seq, prev = await chain_head(db, "optouts")
    updates = []
    for row in await db.fetchall("SELECT rowid, * FROM optouts WHERE hash IS NULL ORDER BY rowid"):
        seq += 1
        prev = chain.optout_hash(prev, dict(row))
        updates.append((prev, seq, row["rowid"]))
    await db.executemany("UPDATE optouts SET hash = ?, chain_seq = ? WHERE rowid = ?", updates)
    await move_chain_head(db, "optouts", seq, prev)
    if updates:
        await db.execute(
            "INSERT INTO evidence_legacy (chain, upto_seq) VALUES ('optouts', ?)"
            " ON CONFLICT (chain) DO UPDATE SET upto_seq = excluded.upto_seq",
            (seq,),
        )
    return len(updates)
