"""May an advertiser call this number at this moment: suppression first, then the
permission an opt-in regime asks for, then the hours."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from ivr.domain import OBJECTIONS, Consent, OptOut
from ivr.rules.consent import has_active_consent, permission_reasons
from ivr.rules.hours import CallingHours
from ivr.rules.reasons import Reason, ReasonCode, reason
from ivr.rules.regime import OptIn, Sector, local_day
from ivr.rules.suppression import Relation, active, is_suppressed, suppression_reasons

_OUTSIDE_HOURS_EXCEPTIONS = {
    Relation.CALLBACK: ReasonCode.EXCEPTION_CALLBACK,
    Relation.REQUESTED: ReasonCode.EXCEPTION_REQUESTED_CALL,
}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reasons: list[Reason]


@dataclass(frozen=True)
class Regime:
    """What a decision needs of the profile in force and of the advertiser."""

    hours: CallingHours
    opt_in: OptIn = field(default_factory=OptIn)
    sector: Sector = Sector.COMMERCIAL
    expired: bool = False
    """The profile's period had ended at the moment decided: ``profile_expired``."""
    notices: tuple[ReasonCode, ...] = ()
    """Information every decision under the profile carries (``national_dnc_not_checked``)."""

    def info(self) -> list[Reason]:
        codes = [*self.notices, *([ReasonCode.PROFILE_EXPIRED] if self.expired else [])]
        return [reason(code) for code in codes]


def may_call(
    optouts: Sequence[OptOut],
    advertiser: str,
    at: datetime,
    hours: CallingHours | Regime,
    relation: Relation | None = None,
    category: str | None = None,
    *,
    number: str | None = None,
    consents: Sequence[Consent] = (),
    relation_ended: date | None = None,
) -> Decision:
    """The decision with every reason behind it.

    Under an opt-in regime the call also needs permission (a consent, or a
    customer relation the regime accepts); a recht van verzet outweighs both.
    A call-back appointment or a call the consumer asked for may be outside the
    hours; the hours' reasons are then replaced by the exception that lifts them.
    ``number`` (E.164) gives the called party's time zones where the hours are theirs.
    """
    regime = hours if isinstance(hours, Regime) else Regime(hours)
    reasons = suppression_reasons(optouts, advertiser, category, at, relation)
    today = local_day(at, regime.hours.rules.zone)
    for found in permission_reasons(
        consents, category, at, today, regime.opt_in, regime.sector, relation, relation_ended
    ):
        if found not in reasons:
            reasons.append(found)
    if _consent_after_objection(optouts, advertiser, consents, category, at, regime.opt_in):
        reasons.append(reason(ReasonCode.CONSENT_AFTER_OBJECTION))
    outside = regime.hours.reasons_at(at, number)
    exception = _OUTSIDE_HOURS_EXCEPTIONS.get(relation) if relation is not None else None
    if outside and exception is not None:
        lifted = reason(exception)
        if lifted not in reasons:
            reasons.append(lifted)
        outside = []
    reasons.extend(outside)
    reasons.extend(regime.info())
    allowed = not is_suppressed(reasons) and not outside
    return Decision(allowed=allowed, reasons=reasons)


def _consent_after_objection(
    optouts: Sequence[OptOut],
    advertiser: str,
    consents: Sequence[Consent],
    category: str | None,
    at: datetime,
    opt_in: OptIn,
) -> bool:
    """An objection stands while a consent given after it is active: say so."""
    objected = any(o.kind in OBJECTIONS and o.advertiser == advertiser for o in active(optouts))
    return objected and has_active_consent(consents, category, at, OptIn())


def consent_reasons(
    regime: Regime, consents: Sequence[Consent], category: str | None, at: datetime
) -> list[Reason]:
    """The consent rule of a look-up or a list (no relation, no hours): ``no_consent``."""
    if not regime.opt_in.consent_required:
        return []
    if has_active_consent(consents, category, at, regime.opt_in):
        return []
    return [reason(ReasonCode.NO_CONSENT)]
