from datetime import time

import pytest

from ivr.flow.profile import DEFAULT_PROFILE, known_profiles, load_profile, parse_profile
from ivr.prompts.names import required_prompts

CTM_CATEGORIES = [
    ("auto", "auto's en accessoires"),
    ("boeken-muziek", "boeken en muziek"),
    ("energie", "energie"),
    ("financien", "bank en verzekeringen"),
    ("goede-doelen", "goede doelen"),
    ("horoscopen", "horoscopen"),
    ("loterijen", "loterijen"),
    ("kranten-tijdschriften", "kranten en tijdschriften"),
    ("telecom-computers", "telecom en computers"),
    ("thuiswinkelen", "thuiswinkelen en postorder"),
]

DESIGN_PROMPTS = {
    "welcome", "advertiser-generic", "menu", "invalid", "rvv-registered", "offer-register",
    "register-scope", "charities", "category-keys", "no-category", "readback-number",
    "readback-all", "readback-all-charities", "readback-categories", "confirm-register",
    "confirm-number", "enter-number", "number-invalid", "register-recorded", "offer-rvv",
    "cannot-register", "contact-generic", "goodbye",
}  # fmt: skip


def test_three_profiles_ship_and_all_load() -> None:
    assert known_profiles() == ["nl-2021", "nl-2026", "nl-ctm2012", "us-tcpa"]
    for name in known_profiles():
        assert load_profile(name).name == name


def test_default_profile_is_ctm2012_with_the_designed_numbers() -> None:
    profile = load_profile(DEFAULT_PROFILE)
    assert profile.name == "nl-ctm2012"
    assert (profile.timeout_s, profile.keyed_timeout_s, profile.tries) == (7, 5, 3)
    assert (profile.max_questions, profile.max_call_s, profile.max_keyed_digits) == (30, 600, 15)
    assert profile.max_prompt_seconds == 60
    assert profile.offers.recht_van_verzet and profile.offers.bel_me_niet
    assert profile.confirm.arg_number is False
    assert profile.confirm.caller_number is True


def test_ctm2012_categories_in_order_with_their_spoken_names() -> None:
    profile = load_profile("nl-ctm2012")
    assert [(c.id, c.name) for c in profile.categories] == CTM_CATEGORIES
    assert profile.category_ids[0] == "auto"


def test_ctm2012_names_every_prompt_of_design_section_9() -> None:
    profile = load_profile("nl-ctm2012")
    assert set(profile.prompts) == DESIGN_PROMPTS
    required = set(required_prompts(profile))
    assert {f"category-{c}" for c, _ in CTM_CATEGORIES} <= required
    assert {f"digit-{d}" for d in range(10)} <= required


def test_ctm2012_keys_follow_design_section_3() -> None:
    keys = load_profile("nl-ctm2012").keys
    assert (keys.recht_van_verzet, keys.bel_me_niet, keys.repeat) == ("1", "2", "0")
    assert (keys.total, keys.partial, keys.opt_out, keys.keep) == ("1", "2", "1", "2")
    assert (keys.confirm, keys.choose_again, keys.other_number) == ("1", "2", "3")
    assert (keys.end_entry, keys.restart_entry) == ("#", "*")


def test_ctm2012_calling_hours() -> None:
    hours = load_profile("nl-ctm2012").hours
    assert hours.timezone == "Europe/Amsterdam"
    assert hours.weekday == (time(9), time(22))
    assert hours.saturday == (time(10), time(16))
    assert hours.sunday is None
    assert hours.short_days == ("12-05", "12-24", "05-04")
    assert hours.short_day_end == time(18, 30)
    assert hours.holiday_calendar == "NL"
    assert hours.extra_holidays == ("05-05",)


@pytest.mark.parametrize("name", ["nl-2021", "nl-2026", "us-tcpa"])
def test_recht_van_verzet_only_profiles_offer_no_register(name: str) -> None:
    profile = load_profile(name)
    assert profile.offers.recht_van_verzet and not profile.offers.bel_me_niet
    assert "register-scope" not in profile.prompts
    assert "offer-register" not in profile.prompts


def test_us_tcpa_needs_no_confirmation_and_calls_eight_to_nine() -> None:
    profile = load_profile("us-tcpa")
    assert profile.confirm.caller_number is False and profile.confirm.arg_number is False
    assert profile.hours.weekday == (time(8), time(21))
    assert profile.hours.sunday == (time(8), time(21))


def test_unknown_profile_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="nl-2021, nl-2026, nl-ctm2012, us-tcpa"):
        load_profile("nl-1999")


@pytest.mark.parametrize("name", ["../etc/passwd", "NL-CTM2012", ""])
def test_profile_name_is_never_a_path(name: str) -> None:
    with pytest.raises(ValueError, match="unknown profile"):
        load_profile(name)


@pytest.mark.parametrize(
    ("toml", "problem"),
    [
        ('name = "x"\nbogus = 1', "bogus"),
        ('name = "x"\n[offers]\nrecht_van_verzet = false\nbel_me_niet = false', "at least one"),
        ('name = "x"\n[offers]\nbel_me_niet = true', "at least one category"),
        ('name = "x"\n[offers]\nbel_me_niet = false\n[keys]\nyes = "0"', "keys of yes/no"),
        ('name = "x"\n[offers]\nbel_me_niet = false\n[keys]\nyes = "11"', "one DTMF key"),
        ('name = "x"\ntries = 0\n[offers]\nbel_me_niet = false', "tries"),
        (
            'name = "x"\ncategories = [{id = "a", name = "A"}, {id = "a", name = "B"}]',
            "unique",
        ),
        ('name = "x"\ncategories = [{id = "A b", name = "A"}]', "category id"),
        ('name = "x" = 1', "profile"),
    ],
)
def test_broken_profiles_are_refused_with_the_reason(toml: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_profile(toml)


def test_a_profile_file_must_carry_its_own_name() -> None:
    with pytest.raises(ValueError, match="names itself"):
        parse_profile('name = "other"\n[offers]\nbel_me_niet = false', expected_name="x")


def test_profile_is_frozen() -> None:
    profile = load_profile("nl-ctm2012")
    with pytest.raises(ValueError, match="frozen"):
        profile.tries = 5  # type: ignore[misc]
    assert profile.tries == 3
