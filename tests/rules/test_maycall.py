"""May-call: suppression first, then the calling hours, with the exceptions for both."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from ivr.domain import SCOPE_ALL, OptOut, OptOutKind, OptOutSource
from ivr.rules.hours import CallingHours, HoursRules
from ivr.rules.maycall import Decision, may_call
from ivr.rules.suppression import Relation

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
HOURS = CallingHours(HoursRules())
TUESDAY_NOON = datetime(2026, 3, 10, 12, 0, tzinfo=AMSTERDAM)
TUESDAY_LATE = datetime(2026, 3, 10, 22, 30, tzinfo=AMSTERDAM)
SUNDAY_NOON = datetime(2026, 3, 15, 12, 0, tzinfo=AMSTERDAM)
CHRISTMAS_NOON = datetime(2026, 12, 25, 12, 0, tzinfo=AMSTERDAM)


def _optout(kind: OptOutKind, scope: str | None = None) -> OptOut:
    return OptOut(
        id=f"{kind}-1",
        number="+31612345678",
        advertiser="acme",
        kind=kind,
        scope=scope,
        charities=False if scope == SCOPE_ALL else None,
        source=OptOutSource.IVR,
        agent=None,
        call_id=None,
        created_at=datetime(2025, 1, 1, tzinfo=UTC),
        created_by="ivr",
    )


RVV = _optout(OptOutKind.RECHT_VAN_VERZET)
REGISTER = _optout(OptOutKind.BEL_ME_NIET, SCOPE_ALL)


def decide(
    at: datetime,
    optouts: list[OptOut] | None = None,
    relation: Relation | None = None,
    category: str | None = None,
) -> tuple[bool, list[str]]:
    decision = may_call(optouts or [], "acme", at, HOURS, relation=relation, category=category)
    assert isinstance(decision, Decision)
    return decision.allowed, [r.code for r in decision.reasons]


def test_an_unsuppressed_number_inside_the_hours_may_be_called() -> None:
    assert decide(TUESDAY_NOON) == (True, [])


def test_a_suppressed_number_may_not_be_called_inside_the_hours() -> None:
    assert decide(TUESDAY_NOON, [RVV]) == (False, ["recht_van_verzet"])
    assert decide(TUESDAY_NOON, [REGISTER], category="energie") == (False, ["bel_me_niet"])


def test_outside_the_hours_nobody_may_be_called() -> None:
    assert decide(TUESDAY_LATE) == (False, ["outside_calling_hours"])
    assert decide(SUNDAY_NOON) == (False, ["sunday"])
    assert decide(CHRISTMAS_NOON) == (False, ["public_holiday"])


def test_suppression_reasons_come_before_the_hours() -> None:
    assert decide(SUNDAY_NOON, [RVV, REGISTER]) == (
        False,
        ["recht_van_verzet", "bel_me_niet", "sunday"],
    )


def test_a_callback_appointment_at_half_past_ten_is_allowed() -> None:
    assert decide(TUESDAY_LATE, relation=Relation.CALLBACK) == (True, ["exception_callback"])


def test_a_callback_appointment_inside_the_hours_needs_no_exception() -> None:
    assert decide(TUESDAY_NOON, relation=Relation.CALLBACK) == (True, [])


def test_a_callback_appointment_moves_the_hours_not_a_suppression() -> None:
    assert decide(TUESDAY_LATE, [RVV], relation=Relation.CALLBACK) == (
        False,
        ["recht_van_verzet", "exception_callback"],
    )
    assert decide(TUESDAY_NOON, [REGISTER], relation=Relation.CALLBACK) == (
        False,
        ["bel_me_niet"],
    )


def test_a_requested_call_on_a_sunday_is_allowed() -> None:
    assert decide(SUNDAY_NOON, relation=Relation.REQUESTED) == (
        True,
        ["exception_requested_call"],
    )


def test_a_requested_call_names_its_exception_once() -> None:
    assert decide(SUNDAY_NOON, [RVV, REGISTER], relation=Relation.REQUESTED) == (
        True,
        ["exception_requested_call"],
    )


def test_a_customer_relation_lifts_the_register_not_the_hours() -> None:
    assert decide(TUESDAY_NOON, [REGISTER], relation=Relation.CUSTOMER) == (
        True,
        ["exception_customer"],
    )
    assert decide(SUNDAY_NOON, [REGISTER], relation=Relation.CUSTOMER) == (
        False,
        ["exception_customer", "sunday"],
    )


def test_market_research_lifts_the_register_inside_the_hours() -> None:
    assert decide(TUESDAY_NOON, [REGISTER], relation=Relation.RESEARCH) == (
        True,
        ["exception_research"],
    )
    assert decide(TUESDAY_LATE, relation=Relation.RESEARCH) == (False, ["outside_calling_hours"])


def test_a_callback_on_a_public_holiday_is_allowed() -> None:
    assert decide(CHRISTMAS_NOON, relation=Relation.CALLBACK) == (True, ["exception_callback"])


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 12, 31), timezones=st.just(UTC)
    ),
    st.one_of(st.none(), st.sampled_from(list(Relation))),
)
def test_allowed_means_no_blocking_reason(at: datetime, relation: Relation | None) -> None:
    allowed, found = decide(at, relation=relation)
    blocking = {"recht_van_verzet", "bel_me_niet", "sunday", "public_holiday"}
    blocking |= {"outside_calling_hours"}
    assert allowed == (not set(found) & blocking)
    if relation in (Relation.CALLBACK, Relation.REQUESTED):
        assert allowed


def test_a_decision_a_minute_before_closing_and_at_closing() -> None:
    closing = datetime(2026, 3, 10, 21, 0, tzinfo=UTC)  # 22:00 in Amsterdam
    assert decide(closing - timedelta(minutes=1))[0] is True
    assert decide(closing)[0] is False
