"""The writer's jobs for ``scrub_results``: a scrubbed call file kept one hour for its
download (docs/design.md 14.28), readable by any process on the same database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from ivr.store.database import Database

KEPT = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class ScrubResult:
    id: str
    owner: str
    advertiser: str
    filename: str
    body: bytes
    stats: str
    """JSON: rows, suppressed, invalid, columns, mode."""


async def put(db: Database, row: tuple[Any, ...], now: str) -> None:
    """Store one result; results past their hour are removed first."""
    await db.execute("DELETE FROM scrub_results WHERE expires_at <= ?", (now,))
    await db.execute(
        "INSERT INTO scrub_results (id, owner, advertiser, filename, body, stats,"
        " created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        row,
    )


async def get(db: Database, result_id: str, now: str) -> ScrubResult | None:
    found = await db.fetchone(
        "SELECT id, owner, advertiser, filename, body, stats FROM scrub_results"
        " WHERE id = ? AND expires_at > ?",
        (result_id, now),
    )
    if found is None:
        return None
    return ScrubResult(
        id=found["id"],
        owner=found["owner"],
        advertiser=found["advertiser"],
        filename=found["filename"],
        body=bytes(found["body"]),
        stats=found["stats"],
    )
