"""The writer's jobs for ``idempotency_keys`` (docs/design.md 10.1, 14.21).

A key is claimed before the write it guards (a row without ``status``), completed
with the answer after it, or released when the write did not succeed, so only
successful answers are replayed. Every job runs in the writer's ``BEGIN IMMEDIATE``
transaction, so two processes claiming the same key at once cannot both win.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from ivr.store.database import Database

KEPT = timedelta(hours=24)
"""How long a key and its answer are kept."""
ABANDONED = timedelta(seconds=60)
"""A claim in flight this long was left by a process that died: it may be taken over."""


class ClaimState(StrEnum):
    CLAIMED = "claimed"
    """Nobody used the key: go ahead, then complete or release it."""
    REPLAY = "replay"
    """The same request was answered before: ``status`` and ``answer`` hold the answer."""
    CONFLICT = "conflict"
    """The key was used for another request."""
    IN_PROGRESS = "in_progress"
    """The same request is still being answered."""


@dataclass(frozen=True, slots=True)
class Claim:
    state: ClaimState
    status: int | None = None
    answer: str | None = None


async def claim(
    db: Database,
    token_name: str,
    key: str,
    body_hash: str,
    now: str,
    expired_before: str,
    abandoned_before: str,
) -> Claim:
    """Claim ``key``; keys older than ``expired_before`` are forgotten first, and a claim
    left in flight since before ``abandoned_before`` (its process died) may be taken over."""
    await db.execute("DELETE FROM idempotency_keys WHERE created_at < ?", (expired_before,))
    # insert first: two processes claiming at once (PostgreSQL) see one row, one claimant
    if await db.execute(
        "INSERT INTO idempotency_keys (token_name, key, body_hash, created_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (token_name, key, body_hash, now),
    ):
        return Claim(ClaimState.CLAIMED)
    row = await db.fetchone(
        "SELECT body_hash, status, answer, created_at FROM idempotency_keys"  # noqa: S608
        " WHERE token_name = ? AND key = ?" + db.for_update,
        (token_name, key),
    )
    if row is None:  # removed meanwhile by its own claimant's failure: not ours to answer
        return Claim(ClaimState.IN_PROGRESS)
    if row["body_hash"] != body_hash:
        return Claim(ClaimState.CONFLICT)
    if row["status"] is not None:
        return Claim(ClaimState.REPLAY, int(row["status"]), row["answer"])
    if row["created_at"] < abandoned_before:
        await db.execute(
            "UPDATE idempotency_keys SET created_at = ? WHERE token_name = ? AND key = ?",
            (now, token_name, key),
        )
        return Claim(ClaimState.CLAIMED)
    return Claim(ClaimState.IN_PROGRESS)


async def complete(db: Database, token_name: str, key: str, status: int, answer: str) -> None:
    await db.execute(
        "UPDATE idempotency_keys SET status = ?, answer = ? WHERE token_name = ? AND key = ?",
        (status, answer, token_name, key),
    )


async def release(db: Database, token_name: str, key: str) -> None:
    await db.execute(
        "DELETE FROM idempotency_keys WHERE token_name = ? AND key = ? AND status IS NULL",
        (token_name, key),
    )
