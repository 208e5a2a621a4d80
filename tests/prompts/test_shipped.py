"""The Dutch prompts we ship: complete, playable, and saying the keys of docs/design.md section
3."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from ivr.flow.profile import load_profile
from ivr.prompts.check import check_prompts
from ivr.prompts.names import required_prompts

NL = Path(__file__).resolve().parents[2] / "prompts" / "nl"

DESIGN_QUESTIONS = [
    "welcome", "advertiser-generic", "menu", "invalid", "rvv-registered", "offer-register",
    "register-scope", "charities", "category-keys", "no-category", "readback-number",
    "readback-all", "readback-all-charities", "readback-categories", "confirm-register",
    "confirm-number", "enter-number", "number-invalid", "register-recorded", "offer-rvv",
    "cannot-register", "contact-generic", "goodbye",
]  # fmt: skip
DESIGN_CATEGORIES = [
    "auto", "boeken-muziek", "energie", "financien", "goede-doelen", "horoscopen", "loterijen",
    "kranten-tijdschriften", "telecom-computers", "thuiswinkelen",
]  # fmt: skip
DESIGN_PROMPTS = {
    *DESIGN_QUESTIONS,
    *(f"category-{category_id}" for category_id in DESIGN_CATEGORIES),
    *(f"digit-{digit}" for digit in range(10)),
}


def texts() -> dict[str, str]:
    with (NL / "texts.toml").open("rb") as handle:
        return tomllib.load(handle)


def keys_said(text: str) -> list[str]:
    return re.findall(r"Toets (\d)", text)


def test_nl_ctm2012_needs_exactly_the_prompts_design_names() -> None:
    names = required_prompts(load_profile("nl-ctm2012"))
    assert len(names) == len(set(names))
    assert set(names) == DESIGN_PROMPTS


def test_every_prompt_nl_ctm2012_needs_is_shipped_and_playable() -> None:
    profile = load_profile("nl-ctm2012")
    names = required_prompts(profile, ["advertisers/acme"])
    assert check_prompts(NL, names, profile.max_prompt_seconds) == []


def test_texts_has_a_text_for_every_required_prompt_and_the_example_advertiser() -> None:
    required = {*required_prompts(load_profile("nl-ctm2012")), "advertisers/acme"}
    found = texts()
    assert required <= found.keys()
    assert all(isinstance(text, str) and text.strip() for text in found.values())
    assert found["advertisers/acme"] == "Acme Energie."


def test_every_text_has_its_wav_and_every_wav_its_text() -> None:
    wavs = {path.relative_to(NL).with_suffix("").as_posix() for path in NL.rglob("*.wav")}
    assert wavs == set(texts())


@pytest.mark.parametrize(
    ("name", "keys"),
    [
        ("menu", ["1", "2", "0"]),
        ("offer-register", ["1", "2", "0"]),
        ("register-scope", ["1", "2", "0"]),
        ("charities", ["1", "2"]),
        ("category-keys", ["1", "2", "0"]),
        ("confirm-register", ["1", "2", "3", "0"]),
        ("confirm-number", ["1", "2", "0"]),
        ("offer-rvv", ["1", "2"]),
        ("menu-rvv-only", ["1", "2", "0"]),
    ],
)
def test_each_question_says_its_keys_in_design_order(name: str, keys: list[str]) -> None:
    assert keys_said(texts()[name]) == keys


@pytest.mark.parametrize(
    ("name", "meaning"),
    [
        ("menu", ["Toets 1 voor het recht van verzet", "Toets 2 voor het Bel-me-niet Register"]),
        ("menu", ["niet meer belt", "vast en geven het door"]),
        ("welcome", ["automatisch keuzemenu", "uw rechten"]),
        ("register-scope", ["Toets 1 voor alle onderwerpen", "Toets 2 om zelf onderwerpen"]),
        ("charities", ["Toets 1 voor ja", "Toets 2 voor nee"]),
        ("category-keys", ["Toets 1 om hierover niet meer", "Toets 2 als u hierover wel"]),
        ("confirm-register", ["1 om te bevestigen", "2 om opnieuw te kiezen", "3 om een ander"]),
        ("confirm-number", ["Toets 1 als het klopt", "Toets 2 voor een ander nummer"]),
        ("offer-register", ["Toets 1 voor ja", "Toets 2 voor nee"]),
        ("offer-rvv", ["Toets 1 voor ja", "Toets 2 voor nee"]),
        ("enter-number", ["hekje", "sterretje om opnieuw te beginnen"]),
    ],
)
def test_each_key_means_what_design_says(name: str, meaning: list[str]) -> None:
    for words in meaning:
        assert words in texts()[name]


def test_keyed_number_does_not_offer_0_as_repeat_since_0_is_a_digit_there() -> None:
    assert keys_said(texts()["enter-number"]) == []


# The wording of docs/design.md §10.3 and §14.15 (a compliance review), §11.3 (nl-2021/2026).
REVIEWED = {
    "welcome": "U hoort nu een automatisch keuzemenu over uw rechten bij telefonische verkoop "
    "en werving. U bent zojuist gebeld namens:",
    "advertiser-generic": "een organisatie waarvan wij de naam niet kunnen noemen. Uw keuze "
    "geldt voor de organisatie namens wie u zojuist bent gebeld.",
    "menu": "Met het recht van verzet zorgt u ervoor dat deze organisatie u niet meer belt om "
    "iets te verkopen of om steun te vragen. {offered:recht_van_verzet} Met het Bel-me-niet "
    "Register houdt u telefonische verkoop en werving van alle bedrijven en organisaties tegen, "
    "voor alle onderwerpen of alleen voor onderwerpen die u kiest. Wij leggen uw verzoek vast "
    "en geven het door aan het register. {offered:bel_me_niet} Toets 1 voor het recht van "
    "verzet. Toets 2 voor het Bel-me-niet Register. Toets 0 om dit te herhalen.",
    "rvv-registered": "Uw bezwaar is vastgelegd. Deze organisatie belt u niet meer om iets te "
    "verkopen of om steun te vragen.",
    "offer-register": "Met het Bel-me-niet Register houdt u telefonische verkoop en werving van "
    "alle bedrijven en organisaties tegen. Wilt u zich ook inschrijven? {offered:bel_me_niet} "
    "Toets 1 voor ja. Toets 2 voor nee. Toets 0 om dit te herhalen.",
    "charities": "Wilt u ook door goede doelen niet meer gebeld worden? {asked} Toets 1 voor "
    "ja: dan bellen ook goede doelen u niet meer. Toets 2 voor nee: dan mogen goede doelen u "
    "wel bellen.",
    "readback-all": "Uw inschrijving geldt voor alle onderwerpen, behalve goede doelen.",
    "register-recorded": "Uw verzoek om inschrijving is vastgelegd en wordt doorgegeven aan het "
    "Bel-me-niet Register. Het kan tot zes weken duren voordat de inschrijving ingaat.",
    "offer-rvv": "Wilt u ook dat deze organisatie u niet meer belt om iets te verkopen of om "
    "steun te vragen, ook niet als u klant bent? Dat is het recht van verzet. "
    "{offered:recht_van_verzet} Toets 1 voor ja. Toets 2 voor nee.",
    "enter-number": "Toets uw telefoonnummer in, beginnend met een nul, en sluit af met het "
    "hekje. Het hekje is de toets rechts onderaan. Toets het sterretje om opnieuw te beginnen.",
    "cannot-register": "Het lukt nu niet om uw keuze vast te leggen. U kunt bezwaar maken bij de "
    "organisatie die u belde.",
    "contact-generic": "Dat kan via de klantenservice van die organisatie.",
    "handoff-fallback": "Het keuzemenu is nu niet beschikbaar. U wordt doorverbonden met een "
    "medewerker die uw keuze noteert.",
    "menu-rvv-only": "Wilt u niet meer gebeld worden door deze organisatie? Daarmee trekt u ook "
    "een eerder gegeven toestemming in. {offered:recht_van_verzet} Toets 1 om niet meer gebeld "
    "te worden. Toets 2 om dit menu te verlaten. Toets 0 om dit te herhalen.",
}


@pytest.mark.parametrize("name", sorted(REVIEWED))
def test_texts_say_the_reviewed_wording_word_for_word(name: str) -> None:
    assert texts()[name] == REVIEWED[name]


def test_register_recorded_says_we_record_and_forward_not_that_the_register_has_it() -> None:
    assert "wordt doorgegeven aan het Bel-me-niet Register" in texts()["register-recorded"]


def test_digits_are_the_dutch_numerals_with_een_as_the_numeral_not_the_article() -> None:
    spoken = [texts()[f"digit-{digit}"] for digit in range(10)]
    assert spoken == ["nul", "één", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen"]


def test_category_prompts_say_the_profiles_spoken_names() -> None:
    for category in load_profile("nl-ctm2012").categories:
        assert texts()[f"category-{category.id}"].rstrip(".").lower() == category.name
