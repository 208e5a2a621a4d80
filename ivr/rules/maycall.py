"""May an advertiser call this number at this moment: suppression first, then the hours."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ivr.domain import OptOut
from ivr.rules.hours import CallingHours
from ivr.rules.reasons import Reason, ReasonCode, reason
from ivr.rules.suppression import Relation, is_suppressed, suppression_reasons

_OUTSIDE_HOURS_EXCEPTIONS = {
    Relation.CALLBACK: ReasonCode.EXCEPTION_CALLBACK,
    Relation.REQUESTED: ReasonCode.EXCEPTION_REQUESTED_CALL,
}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reasons: list[Reason]


def may_call(
    optouts: Sequence[OptOut],
    advertiser: str,
    at: datetime,
    hours: CallingHours,
    relation: Relation | None = None,
    category: str | None = None,
) -> Decision:
    """The decision with every reason behind it.

    A call-back appointment or a call the consumer asked for may be outside the
    hours; the hours' reasons are then replaced by the exception that lifts them.
    """
    reasons = suppression_reasons(optouts, advertiser, category, at, relation)
    outside = hours.reasons_at(at)
    exception = _OUTSIDE_HOURS_EXCEPTIONS.get(relation) if relation is not None else None
    if outside and exception is not None:
        lifted = reason(exception)
        if lifted not in reasons:
            reasons.append(lifted)
        outside = []
    reasons.extend(outside)
    return Decision(allowed=not is_suppressed(reasons) and not outside, reasons=reasons)
