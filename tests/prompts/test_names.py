from __future__ import annotations

from pathlib import Path

from ivr.prompts.complete import missing_or_bad_prompts
from ivr.prompts.names import required_prompts
from tests.prompts.stand_in import StandInProfile, StandInWording
from tests.prompts.wavs import write_wav

DIGITS = [f"digit-{digit}" for digit in range(10)]


def test_required_prompts_are_the_profile_prompts_then_categories_then_digits() -> None:
    assert required_prompts(StandInProfile()) == [
        "welcome",
        "menu",
        "goodbye",
        "category-energie",
        "category-loterijen",
        *DIGITS,
    ]


def test_extra_prompts_come_last_and_nothing_is_named_twice() -> None:
    names = required_prompts(StandInProfile(), ["advertisers/acme", "menu", "advertisers/acme"])
    assert names[-1] == "advertisers/acme"
    assert len(names) == len(set(names)) == 3 + 2 + 10 + 1


def write_language(prompts_dir: Path, lang: str, names: list[str]) -> None:
    for name in names:
        write_wav(prompts_dir / lang / f"{name}.wav", seconds=0.1)


def test_start_up_check_passes_on_a_complete_dutch_folder(tmp_path: Path) -> None:
    write_language(tmp_path, "nl", required_prompts(StandInProfile()))
    assert missing_or_bad_prompts(tmp_path, [StandInProfile()]) == []


def test_start_up_check_needs_the_profiles_language_even_when_another_is_complete(
    tmp_path: Path,
) -> None:
    write_language(tmp_path, "en", required_prompts(StandInProfile()))
    problems = missing_or_bad_prompts(tmp_path, [StandInProfile()])
    assert [(problem.path, problem.message) for problem in problems] == [
        (tmp_path / "nl", "no such prompts directory")
    ]


def test_start_up_check_finds_a_half_translated_language_of_the_profile(tmp_path: Path) -> None:
    names = required_prompts(StandInProfile())
    write_language(tmp_path, "nl", names)
    write_language(tmp_path, "en", ["welcome", "menu"])
    write_language(tmp_path, "fr", ["welcome"])  # no menu: not a language of the profile
    problems = missing_or_bad_prompts(tmp_path, [StandInProfile()])
    assert {problem.path.parent.name for problem in problems} == {"en"}
    assert [problem.name for problem in problems] == names[2:]


def test_start_up_check_covers_every_profile_the_service_may_run(tmp_path: Path) -> None:
    write_language(tmp_path, "nl", required_prompts(StandInProfile()))
    english = StandInProfile(
        name="english",
        prompts=("hello",),
        languages=("en",),
        wording=StandInWording(menu="hello"),
    )
    problems = missing_or_bad_prompts(tmp_path, [StandInProfile(), english])
    assert [(problem.path, problem.message) for problem in problems] == [
        (tmp_path / "en", "no such prompts directory")
    ]


def test_start_up_check_fails_on_a_statement_prompt_without_its_mark(tmp_path: Path) -> None:
    write_language(tmp_path, "nl", required_prompts(StandInProfile()))
    profile = StandInProfile(statement_prompts={"menu": ("recht_van_verzet",)})
    problems = missing_or_bad_prompts(tmp_path, [profile])
    assert [(problem.name, problem.message) for problem in problems] == [
        ("menu", "[menu] has no mark for recht_van_verzet")
    ]


def test_start_up_check_includes_the_advertisers_name_prompts(tmp_path: Path) -> None:
    write_language(tmp_path, "nl", required_prompts(StandInProfile()))
    problems = missing_or_bad_prompts(
        tmp_path, [StandInProfile()], extra=lambda lang: ["advertisers/acme"]
    )
    assert [(problem.name, problem.message) for problem in problems] == [
        ("advertisers/acme", "missing")
    ]


def test_start_up_check_uses_the_profiles_longest_prompt(tmp_path: Path) -> None:
    write_language(tmp_path, "nl", required_prompts(StandInProfile()))
    write_wav(tmp_path / "nl" / "menu.wav", seconds=2.0)
    problems = missing_or_bad_prompts(tmp_path, [StandInProfile(max_prompt_seconds=1.5)])
    assert [(problem.name, problem.message) for problem in problems] == [
        ("menu", "2.0 s long, the profile allows at most 1.5 s")
    ]
