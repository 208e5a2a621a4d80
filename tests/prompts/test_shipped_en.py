"""The English prompts of us-tcpa
(docs/design.md §11.4, §14.16): the texts, WAVs and the opt-out mark."""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path

import pytest

from ivr.prompts.check import check_prompts
from ivr.prompts.offered import load_offered

PROMPTS = Path(__file__).resolve().parents[2] / "prompts"
EN = PROMPTS / "en"

DESIGN_TEXTS = {
    "welcome": "This is an automated message from",
    "menu-dnc": "To stop all calls from this company, press 1 now. {offered:do_not_call} "
    "To end this call, press 2.",
    "dnc-registered": "Your request is recorded. This company will not call you again. Goodbye.",
    "invalid": "That key is not valid.",
    "enter-number": "Please enter your ten-digit phone number, then press the pound key.",
    "number-invalid": "That is not a valid number. Please try again.",
    "cannot-register": "We cannot record your request right now. "
    "Please call the company that called you.",
    "goodbye": "Goodbye.",
}
DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def texts() -> dict[str, str]:
    with (EN / "texts.toml").open("rb") as handle:
        return tomllib.load(handle)


@pytest.mark.parametrize("name", sorted(DESIGN_TEXTS))
def test_english_texts_say_what_design_says(name: str) -> None:
    assert texts()[name] == DESIGN_TEXTS[name]


def test_digits_are_english_numerals() -> None:
    assert [texts()[f"digit-{digit}"] for digit in range(10)] == DIGITS


def test_every_english_text_has_a_playable_wav_and_every_wav_a_text() -> None:
    wavs = {path.relative_to(EN).with_suffix("").as_posix() for path in EN.rglob("*.wav")}
    assert wavs == set(texts())
    assert check_prompts(EN, sorted(wavs), 60) == []


def test_the_opt_out_is_offered_within_seconds_of_the_menu_start() -> None:
    menu = load_offered(PROMPTS, "en")["menu-dnc"]
    assert menu.sha256 == hashlib.sha256((EN / "menu-dnc.wav").read_bytes()).hexdigest()
    mark = menu.at("do_not_call")
    assert mark is not None and 2000 < mark < 6000
    assert set(menu.marks) == {"do_not_call"}
