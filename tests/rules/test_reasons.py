"""The reason codes are exactly those of DESIGN.md section 6, each in English and Dutch."""

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


def test_only_the_two_opt_outs_suppress_and_only_the_hours_codes_block_the_time() -> None:
    assert {code.value for code in SUPPRESSING} == {"recht_van_verzet", "bel_me_niet"}
    assert {code.value for code in OUTSIDE_HOURS} == {
        "outside_calling_hours",
        "sunday",
        "public_holiday",
    }
