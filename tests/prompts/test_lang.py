from __future__ import annotations

from pathlib import Path

import pytest
from structlog.testing import capture_logs

from ivr.flow.profile import load_profile
from ivr.prompts.lang import resolve_prompt_language, spoken_languages
from tests.prompts.stand_in import StandInProfile, StandInWording
from tests.prompts.wavs import write_wav


@pytest.fixture
def prompts_dir(tmp_path: Path) -> Path:
    write_wav(tmp_path / "nl" / "welcome.wav")
    write_wav(tmp_path / "en" / "welcome.wav")
    (tmp_path / "de").mkdir()
    (tmp_path / "de" / "texts.toml").write_text('welcome = "Willkommen."\n', encoding="utf-8")
    return tmp_path


def test_dutch_is_dutch_without_a_warning(prompts_dir: Path) -> None:
    with capture_logs() as logs:
        assert resolve_prompt_language(prompts_dir, "nl") == "nl"
    assert logs == []


def test_a_language_with_prompts_is_played_in_that_language(prompts_dir: Path) -> None:
    with capture_logs() as logs:
        assert resolve_prompt_language(prompts_dir, "en") == "en"
    assert logs == []


@pytest.mark.parametrize("lang", ["fr", "de"])
def test_a_language_without_prompts_falls_back_to_dutch_with_a_warning(
    prompts_dir: Path, lang: str
) -> None:
    with capture_logs() as logs:
        assert resolve_prompt_language(prompts_dir, lang) == "nl"
    assert logs == [
        {"event": "prompt_language_missing", "lang": lang, "fallback": "nl", "log_level": "warning"}
    ]


@pytest.mark.parametrize("lang", ["../nl", "en/../../etc", "", "EN", "nl,x", "e"])
def test_a_language_that_is_no_plain_tag_falls_back_to_dutch(prompts_dir: Path, lang: str) -> None:
    with capture_logs() as logs:
        assert resolve_prompt_language(prompts_dir, lang) == "nl"
    assert [entry["event"] for entry in logs] == ["prompt_language_invalid"]


def test_a_regional_tag_with_its_own_prompts_is_kept(prompts_dir: Path) -> None:
    write_wav(prompts_dir / "nl-BE" / "welcome.wav")
    assert resolve_prompt_language(prompts_dir, "nl-BE") == "nl-BE"


def test_a_profile_plays_only_the_languages_it_speaks(prompts_dir: Path) -> None:
    with capture_logs() as logs:
        assert resolve_prompt_language(prompts_dir, "en", ("nl",)) == "nl"
        assert resolve_prompt_language(prompts_dir, "en", ("en", "nl")) == "en"
        assert resolve_prompt_language(prompts_dir, "nl", ("en",)) == "en"
        assert resolve_prompt_language(prompts_dir, "../x", ("en",)) == "en"
    assert [(entry["event"], entry["fallback"]) for entry in logs] == [
        ("prompt_language_missing", "nl"),
        ("prompt_language_missing", "en"),
        ("prompt_language_invalid", "en"),
    ]


def test_a_profile_speaks_its_languages_and_those_with_its_menu() -> None:
    shipped = Path(__file__).resolve().parents[2] / "prompts"
    assert spoken_languages(shipped, load_profile("nl-ctm2012")) == ("nl",)
    assert spoken_languages(shipped, load_profile("nl-2021")) == ("nl",)
    assert spoken_languages(shipped, StandInProfile(wording=StandInWording("menu-dnc"))) == (
        "nl",
        "en",
    )
