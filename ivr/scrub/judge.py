"""The store's answer for a batch of numbers, as a single look-up would give it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from ivr.rules.reasons import Reason
from ivr.rules.suppression import suppression_reasons
from ivr.scrub.core import Judge
from ivr.store import Store


def store_judge(store: Store, advertiser: str, category: str | None, at: datetime) -> Judge:
    """Look a batch up in the store and decide each number as a single look-up would."""

    async def judge(numbers: Sequence[str]) -> Mapping[str, Sequence[Reason]]:
        if not numbers:
            return {}
        found = await store.active_optouts_many(numbers, advertiser)
        # A number without opt-outs has no reasons: most of a call file needs no rules.
        return {
            number: suppression_reasons(rows, advertiser, category, at)
            for number, rows in found.items()
            if rows
        }

    return judge
