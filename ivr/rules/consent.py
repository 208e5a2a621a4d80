"""Permission to call under an opt-in regime (docs/design.md 11.1, 14.23).

A call needs an active consent that covers it, or a customer relation that the
regime and the advertiser's sector accept; a call the consumer asked for needs
neither, and market research is not telemarketing. Only rows created at or
before the moment count, so a decision can be replayed for a past moment.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from enum import Enum

from ivr.domain import SCOPE_ALL, Consent, ConsentKind
from ivr.rules.reasons import NO_PERMISSION, Reason, ReasonCode, reason
from ivr.rules.regime import OptIn, Sector
from ivr.rules.suppression import Relation


class ConsentState(Enum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    UNVERIFIED = "unverified"


_STATE_REASONS = {
    ConsentState.WITHDRAWN: ReasonCode.CONSENT_WITHDRAWN,
    ConsentState.EXPIRED: ReasonCode.CONSENT_EXPIRED,
    ConsentState.UNVERIFIED: ReasonCode.CONSENT_UNVERIFIED,
}


def covers(consent: Consent, category: str | None) -> bool:
    """Without a category only a consent for everything counts."""
    if consent.scope == SCOPE_ALL:
        return True
    return category is not None and consent.scope is not None and category in consent.scope


def states(
    rows: Iterable[Consent], category: str | None, at: datetime, opt_in: OptIn
) -> list[ConsentState]:
    """The state at ``at`` of each consent that covers a call of ``category``."""
    known = [row for row in rows if _utc(row.created_at) <= at]
    withdrawn = {row.withdraws for row in known if row.kind is ConsentKind.WITHDRAWAL}
    found = []
    for row in known:
        if row.kind is not ConsentKind.CONSENT or not covers(row, category):
            continue
        if row.obtained_at is not None and _utc(row.obtained_at) > at:
            continue
        found.append(_state(row, withdrawn, at, opt_in))
    return found


def _state(row: Consent, withdrawn: set[str | None], at: datetime, opt_in: OptIn) -> ConsentState:
    if row.id in withdrawn:
        return ConsentState.WITHDRAWN
    if row.expires_at is not None and _utc(row.expires_at) <= at:
        return ConsentState.EXPIRED
    if opt_in.consent_must_be_verified and (row.verified_at is None or _utc(row.verified_at) > at):
        return ConsentState.UNVERIFIED
    return ConsentState.ACTIVE


def has_active_consent(
    rows: Iterable[Consent], category: str | None, at: datetime, opt_in: OptIn
) -> bool:
    return ConsentState.ACTIVE in states(rows, category, at, opt_in)


def permission_reasons(
    rows: Sequence[Consent],
    category: str | None,
    at: datetime,
    today: date,
    opt_in: OptIn,
    sector: Sector,
    relation: Relation | None = None,
    relation_ended: date | None = None,
) -> list[Reason]:
    """Why an opt-in regime does (information) or does not allow the call.

    ``today`` is the local date of ``at``; ``relation_ended`` the day a customer
    relation ended (``None``: it is current). Empty when an active consent covers
    the call; a reason of :data:`~ivr.rules.reasons.NO_PERMISSION` when nothing does.
    """
    if not opt_in.consent_required:
        return []
    if relation is Relation.REQUESTED:
        return [reason(ReasonCode.EXCEPTION_REQUESTED_CALL)]
    if relation is Relation.RESEARCH:
        return [reason(ReasonCode.EXCEPTION_RESEARCH)]
    found = states(rows, category, at, opt_in)
    if ConsentState.ACTIVE in found:
        return []
    codes: list[ReasonCode] = []
    if relation is Relation.CUSTOMER:
        relation_code = _customer_relation(opt_in, sector, today, relation_ended)
        if relation_code is ReasonCode.EXCEPTION_CUSTOMER:
            return [reason(relation_code)]
        if relation_code is not None:
            codes.append(relation_code)
    state_codes = [_STATE_REASONS[s] for s in found if s in _STATE_REASONS]
    codes.extend(dict.fromkeys(state_codes) or [ReasonCode.NO_CONSENT])
    return [reason(code) for code in codes]


def _customer_relation(
    opt_in: OptIn, sector: Sector, today: date, ended: date | None
) -> ReasonCode | None:
    years = opt_in.customer_relation_years
    if years is None:
        return None
    if sector not in opt_in.customer_relation_sectors:
        return ReasonCode.CUSTOMER_EXCEPTION_NOT_FOR_SECTOR
    if ended is None or today < add_years(ended, years):
        return ReasonCode.EXCEPTION_CUSTOMER
    return ReasonCode.CUSTOMER_RELATION_EXPIRED


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes 1 March in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def lacks_permission(reasons: Iterable[Reason]) -> bool:
    return any(r.code in NO_PERMISSION for r in reasons)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
