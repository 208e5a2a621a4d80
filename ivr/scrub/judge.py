"""The store's answer for a batch of numbers, as a single look-up would give it.

Under an opt-in regime (DESIGN 14.18, 15.41) the advertiser's active consents are
read once before the file, and a number without one is suppressed (``no_consent``);
the calling hours and the customer relation are may-call's, not a list's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from ivr.domain import Consent
from ivr.rules.maycall import Regime, consent_reasons
from ivr.rules.reasons import Reason
from ivr.rules.suppression import suppression_reasons
from ivr.scrub.core import Judge
from ivr.store import Store


def store_judge(
    store: Store,
    advertiser: str,
    category: str | None,
    at: datetime,
    regime: Regime | None = None,
    consents: Mapping[str, Sequence[Consent]] | None = None,
) -> Judge:
    """Look a batch up in the store and decide each number as a single look-up would.

    ``consents``: the advertiser's active consents by number, when ``regime`` needs them.
    """
    opt_in = regime is not None and regime.opt_in.consent_required

    async def judge(numbers: Sequence[str]) -> Mapping[str, Sequence[Reason]]:
        if not numbers:
            return {}
        found = await store.active_optouts_many(numbers, advertiser)
        if regime is None or not opt_in:
            # A number without opt-outs has no reasons: most of a call file needs no rules.
            return {
                number: suppression_reasons(rows, advertiser, category, at)
                for number, rows in found.items()
                if rows
            }
        given = consents or {}
        return {
            number: [
                *suppression_reasons(rows, advertiser, category, at),
                *consent_reasons(regime, given.get(number, ()), category, at),
            ]
            for number, rows in found.items()
        }

    return judge


async def regime_judge(
    store: Store, advertiser: str, category: str | None, at: datetime, regime: Regime
) -> Judge:
    """:func:`store_judge` with the consents an opt-in ``regime`` needs, preloaded."""
    consents = await store.active_consents(advertiser) if regime.opt_in.consent_required else None
    return store_judge(store, advertiser, category, at, regime, consents)
