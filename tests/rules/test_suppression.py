"""Suppression for an advertiser: recht van verzet, Bel-me-niet scope, exceptions, grace period."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ivr.domain import SCOPE_ALL, OptOut, OptOutKind, OptOutSource, Scope
from ivr.rules.reasons import ReasonCode
from ivr.rules.suppression import Relation, is_suppressed, suppression_reasons

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
LONG_AGO = NOW - timedelta(days=400)
NUMBER = "+31612345678"
_ids = itertools.count(1)


def optout(
    kind: OptOutKind,
    advertiser: str = "acme",
    scope: Scope | None = None,
    charities: bool | None = None,
    created_at: datetime = LONG_AGO,
    revokes: str | None = None,
) -> OptOut:
    return OptOut(
        id=f"o{next(_ids)}",
        number=NUMBER,
        advertiser=advertiser,
        kind=kind,
        scope=scope,
        charities=charities,
        source=OptOutSource.IVR,
        agent=None,
        call_id=None,
        created_at=created_at,
        created_by="ivr",
        revokes=revokes,
    )


def rvv(advertiser: str = "acme") -> OptOut:
    return optout(OptOutKind.RECHT_VAN_VERZET, advertiser)


def register(
    scope: Scope = SCOPE_ALL,
    charities: bool | None = None,
    advertiser: str = "someone-else",
    created_at: datetime = LONG_AGO,
) -> OptOut:
    if scope == SCOPE_ALL and charities is None:
        charities = False
    return optout(OptOutKind.BEL_ME_NIET, advertiser, scope, charities, created_at)


def revocation(of: OptOut) -> OptOut:
    return optout(OptOutKind.REVOCATION, of.advertiser, revokes=of.id)


def codes(
    optouts: list[OptOut],
    category: str | None = None,
    relation: Relation | None = None,
    advertiser: str = "acme",
) -> list[str]:
    return [r.code for r in suppression_reasons(optouts, advertiser, category, NOW, relation)]


def test_a_number_without_opt_outs_is_not_suppressed() -> None:
    reasons = suppression_reasons([], "acme", None, NOW)
    assert reasons == []
    assert not is_suppressed(reasons)


def test_recht_van_verzet_suppresses_its_own_advertiser_only() -> None:
    assert codes([rvv("acme")]) == ["recht_van_verzet"]
    assert codes([rvv("acme")], advertiser="globex") == []


@pytest.mark.parametrize("relation", [Relation.CUSTOMER, Relation.RESEARCH, Relation.CALLBACK])
def test_recht_van_verzet_is_lifted_by_nothing_but_a_requested_call(relation: Relation) -> None:
    assert codes([rvv()], relation=relation) == ["recht_van_verzet"]


def test_a_requested_call_lifts_recht_van_verzet_and_says_so() -> None:
    reasons = suppression_reasons([rvv()], "acme", None, NOW, Relation.REQUESTED)
    assert [r.code for r in reasons] == ["exception_requested_call"]
    assert not is_suppressed(reasons)


def test_a_registration_recorded_for_another_advertiser_suppresses_every_advertiser() -> None:
    entry = register(advertiser="globex")
    assert codes([entry], advertiser="acme") == ["bel_me_niet"]
    assert codes([entry], advertiser="globex") == ["bel_me_niet"]


def test_without_a_category_any_registration_counts() -> None:
    assert codes([register(scope=("energie",))]) == ["bel_me_niet"]
    assert codes([register(scope=SCOPE_ALL, charities=False)]) == ["bel_me_niet"]


def test_a_partial_registration_covers_only_its_categories() -> None:
    entry = register(scope=("energie", "telecom-computers"))
    assert codes([entry], category="energie") == ["bel_me_niet"]
    assert codes([entry], category="telecom-computers") == ["bel_me_niet"]
    assert codes([entry], category="loterijen") == []
    assert codes([entry], category="goede-doelen") == []


def test_a_partial_registration_may_name_charities() -> None:
    assert codes([register(scope=("goede-doelen",))], category="goede-doelen") == ["bel_me_niet"]


def test_a_total_registration_covers_every_category_but_charities() -> None:
    entry = register(scope=SCOPE_ALL, charities=False)
    for category in ("auto", "energie", "loterijen", "financien"):
        assert codes([entry], category=category) == ["bel_me_niet"]
    assert codes([entry], category="goede-doelen") == []


def test_a_total_registration_with_charities_covers_charities() -> None:
    assert codes([register(scope=SCOPE_ALL, charities=True)], category="goede-doelen") == [
        "bel_me_niet"
    ]


@pytest.mark.parametrize(
    ("relation", "exception"),
    [
        (Relation.CUSTOMER, "exception_customer"),
        (Relation.REQUESTED, "exception_requested_call"),
        (Relation.RESEARCH, "exception_research"),
    ],
)
def test_each_register_exception_lifts_the_registration_and_says_so(
    relation: Relation, exception: str
) -> None:
    reasons = suppression_reasons([register()], "acme", "energie", NOW, relation)
    assert [r.code for r in reasons] == [exception]
    assert not is_suppressed(reasons)


def test_a_callback_appointment_never_lifts_a_suppression() -> None:
    assert codes([register()], relation=Relation.CALLBACK) == ["bel_me_niet"]
    assert codes([rvv()], relation=Relation.CALLBACK) == ["recht_van_verzet"]


def test_a_customer_relation_lifts_the_register_but_not_the_objection() -> None:
    assert codes([rvv(), register()], relation=Relation.CUSTOMER) == [
        "recht_van_verzet",
        "exception_customer",
    ]


def test_both_suppressions_are_reported_and_one_requested_call_lifts_both() -> None:
    assert codes([register(), rvv()]) == ["recht_van_verzet", "bel_me_niet"]
    assert codes([register(), rvv()], relation=Relation.REQUESTED) == ["exception_requested_call"]


def test_a_registration_younger_than_six_weeks_suppresses_and_notes_the_grace_period() -> None:
    young = register(created_at=NOW - timedelta(weeks=6) + timedelta(seconds=1))
    reasons = suppression_reasons([young], "acme", None, NOW)
    assert [r.code for r in reasons] == ["bel_me_niet", "register_grace_period"]
    assert is_suppressed(reasons)


def test_a_registration_of_exactly_six_weeks_is_past_the_grace_period() -> None:
    assert codes([register(created_at=NOW - timedelta(weeks=6))]) == ["bel_me_niet"]


def test_the_grace_period_note_is_left_out_when_an_older_registration_suppresses_too() -> None:
    young = register(created_at=NOW - timedelta(days=3))
    assert codes([register(), young]) == ["bel_me_niet"]


def test_an_uncovering_young_registration_adds_no_note() -> None:
    young_energy = register(scope=("energie",), created_at=NOW - timedelta(days=3))
    old_lottery = register(scope=("loterijen",))
    assert codes([young_energy, old_lottery], category="loterijen") == ["bel_me_niet"]


def test_the_grace_period_is_measured_from_the_moment_of_the_call() -> None:
    entry = register(created_at=datetime(2026, 3, 1, tzinfo=UTC))
    later = datetime(2026, 5, 1, tzinfo=UTC)
    assert [r.code for r in suppression_reasons([entry], "acme", None, later)] == ["bel_me_niet"]


def test_a_revoked_opt_out_no_longer_counts() -> None:
    objection = rvv()
    assert codes([objection, revocation(objection)]) == []
    entry = register()
    assert codes([entry, revocation(entry)]) == []


def test_a_revocation_lifts_only_the_opt_out_it_names() -> None:
    first, second = rvv(), rvv()
    assert codes([first, revocation(first), second]) == ["recht_van_verzet"]
    assert codes([revocation(first)]) == []


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        suppression_reasons([rvv()], "acme", None, datetime(2026, 3, 10, 12, 0))


def test_every_reason_has_both_languages() -> None:
    reasons = suppression_reasons(
        [rvv(), register(created_at=NOW - timedelta(days=1))], "acme", None, NOW
    )
    assert all(r.message and r.message_nl and r.message != r.message_nl for r in reasons)
    assert reasons[0].as_dict() == {
        "code": "recht_van_verzet",
        "message": reasons[0].message,
        "message_nl": reasons[0].message_nl,
    }


CATEGORIES = ["auto", "energie", "goede-doelen", "loterijen"]
scopes = st.one_of(
    st.just(SCOPE_ALL),
    st.lists(st.sampled_from(CATEGORIES), min_size=1, unique=True).map(tuple),
)
opt_outs = st.one_of(
    st.builds(rvv, st.sampled_from(["acme", "globex"])),
    st.builds(
        register,
        scope=scopes,
        charities=st.booleans(),
        advertiser=st.sampled_from(["acme", "globex"]),
        created_at=st.datetimes(
            min_value=datetime(2025, 1, 1), max_value=datetime(2026, 6, 1), timezones=st.just(UTC)
        ),
    ),
)
relations = st.one_of(st.none(), st.sampled_from(list(Relation)))
categories = st.one_of(st.none(), st.sampled_from(CATEGORIES))


@given(st.lists(opt_outs, max_size=6), opt_outs, categories, relations)
def test_another_opt_out_never_lifts_a_suppression(
    rows: list[OptOut], extra: OptOut, category: str | None, relation: Relation | None
) -> None:
    before = suppression_reasons(rows, "acme", category, NOW, relation)
    after = suppression_reasons([*rows, extra], "acme", category, NOW, relation)
    assert not is_suppressed(before) or is_suppressed(after)


@given(st.lists(opt_outs, max_size=6), categories)
def test_a_requested_call_is_never_suppressed(rows: list[OptOut], category: str | None) -> None:
    reasons = suppression_reasons(rows, "acme", category, NOW, Relation.REQUESTED)
    assert not is_suppressed(reasons)


@given(st.lists(opt_outs, max_size=6), categories, relations)
def test_revoking_everything_leaves_nothing(
    rows: list[OptOut], category: str | None, relation: Relation | None
) -> None:
    revoked = [*rows, *(revocation(row) for row in rows)]
    assert suppression_reasons(revoked, "acme", category, NOW, relation) == []


@given(st.lists(opt_outs, max_size=6), categories, relations)
def test_reasons_are_unique_known_codes_with_suppressions_first(
    rows: list[OptOut], category: str | None, relation: Relation | None
) -> None:
    found = [r.code for r in suppression_reasons(rows, "acme", category, NOW, relation)]
    assert len(found) == len(set(found))
    assert set(found) <= {code.value for code in ReasonCode}
    flags = [code in {"recht_van_verzet", "bel_me_niet"} for code in found]
    assert flags == sorted(flags, reverse=True)
    if "register_grace_period" in found:
        assert "bel_me_niet" in found


def test_a_total_registration_without_a_charities_answer_is_read_as_covering_charities() -> None:
    entry = optout(OptOutKind.BEL_ME_NIET, "someone-else", SCOPE_ALL, None, LONG_AGO)
    assert codes([entry], category="goede-doelen") == ["bel_me_niet"]
