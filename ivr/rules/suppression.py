"""Whether a number is suppressed for an advertiser (docs/design.md section 6).

A recht van verzet binds the advertiser it was made to; a Bel-me-niet
registration binds every advertiser whose call falls within its scope.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from ivr.domain import SCOPE_ALL, OptOut, OptOutKind
from ivr.rules.reasons import NO_PERMISSION, SUPPRESSING, Reason, ReasonCode, reason

CHARITIES = "goede-doelen"
"""The category a totaal registration covers only with ``charities`` true."""

REGISTER_GRACE_PERIOD = timedelta(weeks=6)


class Relation(StrEnum):
    """What the call is to the consumer, as the caller declares it."""

    CUSTOMER = "customer"
    REQUESTED = "requested"
    CALLBACK = "callback"
    RESEARCH = "research"


_REGISTER_EXCEPTIONS = {
    Relation.CUSTOMER: ReasonCode.EXCEPTION_CUSTOMER,
    Relation.REQUESTED: ReasonCode.EXCEPTION_REQUESTED_CALL,
    Relation.RESEARCH: ReasonCode.EXCEPTION_RESEARCH,
}


_OBJECTION_CODES = (
    (OptOutKind.RECHT_VAN_VERZET, ReasonCode.RECHT_VAN_VERZET),
    (OptOutKind.DO_NOT_CALL, ReasonCode.DO_NOT_CALL),
)
"""Opt-outs that bind the advertiser they were made to (a call the consumer asked for aside)."""


def active(optouts: Iterable[OptOut]) -> list[OptOut]:
    """The opt-outs that still count: revocation rows and what they revoke are left out."""
    rows = list(optouts)
    revoked = {row.revokes for row in rows if row.kind is OptOutKind.REVOCATION}
    return [row for row in rows if row.kind is not OptOutKind.REVOCATION and row.id not in revoked]


def charities_answer(registration: OptOut) -> bool | None:
    """The charities answer of a registration as the rules read it: a totaal registration
    stored without one (before it was required) is read the safe way, as ``True``."""
    if registration.scope == SCOPE_ALL and registration.charities is None:
        return True
    return registration.charities


def covers(registration: OptOut, category: str | None) -> bool:
    """Whether a Bel-me-niet registration covers a call of ``category``.

    Without a category any registration counts. A registration without a
    scope (which the store never writes) is taken as covering everything. A
    totaal registration whose charities answer is unknown (stored before it was
    required) is read the safe way: charities may not call either.
    """
    if category is None or registration.scope is None:
        return True
    if registration.scope == SCOPE_ALL:
        return category != CHARITIES or charities_answer(registration) is True
    return category in registration.scope


def suppression_reasons(
    optouts: Sequence[OptOut],
    advertiser: str,
    category: str | None,
    at: datetime,
    relation: Relation | None = None,
) -> list[Reason]:
    """The reasons that suppress the number, then those that inform.

    ``optouts`` are the rows of one number (any advertiser). An exception that
    lifts a suppression adds its ``exception_*`` reason; ``callback`` never does.
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("the time of a call must carry its time zone")
    counting = active(optouts)
    codes: list[ReasonCode] = []
    for kind, code in _OBJECTION_CODES:
        if any(o.kind is kind and o.advertiser == advertiser for o in counting):
            if relation is Relation.REQUESTED:
                codes.append(ReasonCode.EXCEPTION_REQUESTED_CALL)
            else:
                codes.append(code)
    registrations = [
        o for o in counting if o.kind is OptOutKind.BEL_ME_NIET and covers(o, category)
    ]
    if registrations:
        exception = _REGISTER_EXCEPTIONS.get(relation) if relation is not None else None
        if exception is not None:
            codes.append(exception)
        else:
            codes.append(ReasonCode.BEL_ME_NIET)
            if _all_within_grace_period(registrations, at):
                codes.append(ReasonCode.REGISTER_GRACE_PERIOD)
    return [reason(code) for code in _suppressing_first(codes)]


def is_suppressed(reasons: Iterable[Reason]) -> bool:
    """An opt-out suppresses; so does the want of a consent under an opt-in regime."""
    return any(r.code in SUPPRESSING or r.code in NO_PERMISSION for r in reasons)


def _all_within_grace_period(registrations: Sequence[OptOut], at: datetime) -> bool:
    """True when the suppression rests only on registrations younger than 6 weeks."""
    return all(at - _as_utc(r.created_at) < REGISTER_GRACE_PERIOD for r in registrations)


def _as_utc(moment: datetime) -> datetime:
    """Store times are UTC; a naive one is read as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _suppressing_first(codes: list[ReasonCode]) -> list[ReasonCode]:
    unique = list(dict.fromkeys(codes))
    return sorted(unique, key=lambda code: code not in SUPPRESSING)
