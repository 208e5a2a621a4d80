"""The day's and the month's figures for the web page's overview (docs/design.md 13, 14.28).

Counted in SQL (grouped), so a month of calls is a handful of rows to read back.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from ivr.store.database import Database
from ivr.store.queries import SUPPRESSION_LIST
from ivr.store.rows import db_time


@dataclass
class Figures:
    calls: Counter[str] = field(default_factory=Counter)
    """Calls started in the period by outcome (``open`` while a call is on)."""
    optouts: Counter[str] = field(default_factory=Counter)
    """Rows of the (advertiser's) suppression list created in the period, by kind."""
    rights: Counter[str] = field(default_factory=Counter)
    """Rights verdicts of the period's calls, as ``right:verdict``."""
    prompt_failures: int = 0

    @property
    def call_count(self) -> int:
        return sum(self.calls.values())


async def figures(
    db: Database, since: datetime, until: datetime, advertiser: str | None
) -> Figures:
    """Calls, opt-outs, rights verdicts and failed prompts in ``[since, until)``."""
    found = Figures()
    span = [db_time(since), db_time(until)]
    only = " AND advertiser = ?" if advertiser is not None else ""
    extra = [advertiser] if advertiser is not None else []
    for row in await db.fetchall(
        "SELECT outcome, COUNT(*) AS n FROM calls"  # noqa: S608
        " WHERE started_at >= ? AND started_at < ?" + only + " GROUP BY outcome",
        (*span, *extra),
    ):
        found.calls[row["outcome"] or "open"] += int(row["n"])
    for row in await db.fetchall(
        "SELECT rights, COUNT(*) AS n FROM calls"  # noqa: S608
        " WHERE started_at >= ? AND started_at < ? AND rights IS NOT NULL"
        + only
        + " GROUP BY rights",
        (*span, *extra),
    ):
        for right, verdict in sorted(json.loads(row["rights"]).items()):
            found.rights[f"{right}: {verdict}"] += int(row["n"])
    listing = " AND " + SUPPRESSION_LIST if advertiser is not None else ""
    for row in await db.fetchall(
        "SELECT kind, COUNT(*) AS n FROM optouts"  # noqa: S608
        " WHERE created_at >= ? AND created_at < ?" + listing + " GROUP BY kind",
        (*span, *extra),
    ):
        found.optouts[row["kind"]] += int(row["n"])
    found.prompt_failures = int(
        await db.scalar(
            "SELECT COUNT(*) FROM call_events e JOIN calls c ON c.id = e.call_id"  # noqa: S608
            " WHERE e.kind = 'prompt_failed' AND c.started_at >= ? AND c.started_at < ?"
            + only.replace("advertiser", "c.advertiser"),
            (*span, *extra),
        )
        or 0
    )
    return found
