"""Properties of the consent rule (docs/design.md 11.1, 14.23) over random consent histories."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ivr.domain import Consent, ConsentChannel, ConsentKind
from ivr.rules.consent import (
    add_years,
    has_active_consent,
    lacks_permission,
    permission_reasons,
)
from ivr.rules.regime import OptIn, Sector
from ivr.rules.suppression import Relation

START = datetime(2026, 1, 1, tzinfo=UTC)
CATEGORIES = ("energie", "loterijen", "goede-doelen")
STRICT = OptIn(consent_required=True, consent_must_be_verified=True)
LENIENT = OptIn(consent_required=True)


def moment(hours: int) -> datetime:
    return START + timedelta(hours=hours)


@st.composite
def histories(draw: st.DrawFn) -> list[Consent]:
    rows: list[Consent] = []
    for n in range(draw(st.integers(0, 6))):
        created = draw(st.integers(0, 100))
        scope = draw(
            st.one_of(
                st.just("all"),
                st.lists(st.sampled_from(CATEGORIES), min_size=1, unique=True).map(tuple),
            )
        )
        verified = draw(st.none() | st.integers(0, 100))
        expires = draw(st.none() | st.integers(1, 200))
        rows.append(
            Consent(
                id=f"c{n}",
                number="+31612345678",
                advertiser="acme",
                kind=ConsentKind.CONSENT,
                scope=scope,
                channel=ConsentChannel.WEB,
                obtained_at=moment(created),
                proof_ref=None,
                verified_at=None if verified is None else moment(verified),
                expires_at=None if expires is None else moment(created + expires),
                created_at=moment(created),
                created_by="api",
            )
        )
    for n, consent in enumerate(list(rows)):
        if draw(st.booleans()):
            assert consent.created_at is not None
            later = draw(st.integers(0, 100))
            rows.append(withdrawal(f"w{n}", consent, consent.created_at + timedelta(hours=later)))
    return rows


def withdrawal(row_id: str, consent: Consent, at: datetime) -> Consent:
    return Consent(
        id=row_id,
        number=consent.number,
        advertiser=consent.advertiser,
        kind=ConsentKind.WITHDRAWAL,
        scope=None,
        channel=None,
        obtained_at=None,
        proof_ref=None,
        verified_at=None,
        expires_at=None,
        created_at=at,
        created_by="api",
        withdraws=consent.id,
    )


def allowed(rows: list[Consent], category: str | None, at: datetime, opt_in: OptIn) -> bool:
    reasons = permission_reasons(rows, category, at, at.date(), opt_in, Sector.COMMERCIAL)
    return not lacks_permission(reasons)


categories = st.none() | st.sampled_from(CATEGORIES)
hours = st.integers(0, 300)


@given(histories(), categories, hours)
def test_a_decision_at_a_moment_reads_only_what_was_recorded_by_then(
    rows: list[Consent], category: str | None, hour: int
) -> None:
    at = moment(hour)
    known = [row for row in rows if row.created_at <= at]
    for opt_in in (STRICT, LENIENT):
        assert allowed(rows, category, at, opt_in) == allowed(known, category, at, opt_in)


@given(histories(), categories, hours)
def test_a_withdrawal_never_makes_a_call_allowed(
    rows: list[Consent], category: str | None, hour: int
) -> None:
    at = moment(hour)
    consents = [row for row in rows if row.kind is ConsentKind.CONSENT]
    for n, target in enumerate(consents):
        more = [*rows, withdrawal(f"extra{n}", target, moment(0))]
        assert allowed(rows, category, at, LENIENT) or not allowed(more, category, at, LENIENT)


@given(histories(), categories, hours)
def test_verified_only_is_stricter_and_a_category_never_needs_more_than_all(
    rows: list[Consent], category: str | None, hour: int
) -> None:
    at = moment(hour)
    assert not allowed(rows, category, at, STRICT) or allowed(rows, category, at, LENIENT)
    if has_active_consent(rows, None, at, LENIENT):
        assert has_active_consent(rows, category, at, LENIENT)


@given(st.integers(0, 3 * 366 + 60))
def test_a_customer_relation_counts_for_exactly_three_years(days_ago: int) -> None:
    today = date(2026, 7, 1)
    ended = today - timedelta(days=days_ago)
    opt_in = LENIENT.model_copy(update={"customer_relation_years": 3})
    reasons = permission_reasons(
        [], None, START, today, opt_in, Sector.COMMERCIAL, Relation.CUSTOMER, ended
    )
    within = add_years(ended, 3) > today
    assert [r.code for r in reasons] == (
        ["exception_customer"] if within else ["customer_relation_expired", "no_consent"]
    )
