"""The reason codes are exactly those of docs/design.md sections 6, 11.1 and 14, each in English
and Dutch."""

from __future__ import annotations

from ivr.rules.reasons import OUTSIDE_HOURS, REASONS, SUPPRESSING, ReasonCode, reason

DESIGN_CODES = {
    "recht_van_verzet",
    "bel_me_niet",
    "register_grace_period",
    "outside_calling_hours",
    "sunday",
    "public_holiday",
    "exception_requested_call",
    "exception_customer",
    "exception_research",
    "exception_callback",
    "do_not_call",
    "no_consent",
    "consent_withdrawn",
    "consent_expired",
    "consent_unverified",
    "customer_relation_expired",
    "customer_exception_not_for_sector",
    "outside_calling_hours_local",
    "consent_after_objection",
    "national_dnc_not_checked",
    "profile_expired",
}


def test_the_codes_are_exactly_those_of_the_design() -> None:
    assert {code.value for code in ReasonCode} == DESIGN_CODES
    assert set(REASONS) == set(ReasonCode)


def test_every_reason_has_its_own_english_and_dutch_message() -> None:
    for code in ReasonCode:
        found = reason(code)
        assert found.code == code.value
        assert found.message.endswith(".") and found.message_nl.endswith(".")
        assert found.message != found.message_nl
    assert len({reason(code).message_nl for code in ReasonCode}) == len(ReasonCode)


def test_only_the_opt_outs_suppress_and_only_the_hours_codes_block_the_time() -> None:
    assert {code.value for code in SUPPRESSING} == {
        "recht_van_verzet",
        "bel_me_niet",
        "do_not_call",
    }
    assert {code.value for code in OUTSIDE_HOURS} == {
        "outside_calling_hours",
        "sunday",
        "public_holiday",
        "outside_calling_hours_local",
    }
