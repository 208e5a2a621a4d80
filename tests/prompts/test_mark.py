"""``ivr prompts mark`` and the mark checks of ``ivr prompts check``
(docs/design.md §10.2, §14.12)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.cli import main
from ivr.prompts.offered import load_offered
from tests.prompts.wavs import write_wav

SHIPPED = Path(__file__).resolve().parents[2] / "prompts"


pytestmark = pytest.mark.usefixtures("clean_config")


def check(copy: Path, capsys: pytest.CaptureFixture[str], *more: str) -> tuple[int, list[str]]:
    capsys.readouterr()
    code = main(["prompts", "check", "--dir", str(copy), *more])
    return code, capsys.readouterr().out.splitlines()


def test_a_re_recorded_menu_fails_the_check_until_it_has_new_marks(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_wav(copy / "nl" / "menu.wav", seconds=30.0)
    code, lines = check(copy, capsys)
    assert code == 1
    assert lines[0].startswith(f"{copy / 'nl' / 'offered.toml'}: [menu] was measured on another")

    assert main(["prompts", "mark", "menu", "recht_van_verzet", "9000", "--dir", str(copy)]) == 0
    captured = capsys.readouterr()
    assert captured.out == f"{copy / 'nl' / 'offered.toml'}: [menu] recht_van_verzet = 9000\n"
    assert "[menu] bel_me_niet: dropped, measured on another recording" in captured.err
    code, lines = check(copy, capsys)
    assert lines == [f"{copy / 'nl' / 'offered.toml'}: [menu] has no mark for bel_me_niet"]

    assert main(["prompts", "mark", "menu", "bel_me_niet", "21000", "--dir", str(copy)]) == 0
    assert check(copy, capsys)[0] == 0
    menu = load_offered(copy, "nl")["menu"]
    assert dict(menu.marks) == {"recht_van_verzet": 9000, "bel_me_niet": 21000}


def test_a_mark_beyond_the_wav_is_refused_by_mark_and_by_check(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["prompts", "mark", "offer-rvv", "recht_van_verzet", "99000", "--dir", str(copy)]) == 2
    )
    assert "between 0 and the WAV's length" in capsys.readouterr().err
    offered = copy / "nl" / "offered.toml"
    text = offered.read_text(encoding="utf-8")
    offered.write_text(text.replace("asked = ", "asked = 9999"), encoding="utf-8")
    code, lines = check(copy, capsys)
    assert code == 1
    assert lines[0].startswith(f"{offered}: [charities] asked = 9999")
    assert lines[0].endswith("is beyond the end of the WAV (14075 ms)")


def test_marking_an_unknown_prompt_or_key_is_a_usage_error(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["prompts", "mark", "menuu", "recht_van_verzet", "1", "--dir", str(copy)]) == 2
    assert "no such prompt" in capsys.readouterr().err
    with pytest.raises(SystemExit) as caught:
        main(["prompts", "mark", "menu", "rvv", "1", "--dir", str(copy)])
    assert caught.value.code == 2


@pytest.mark.parametrize("profile", ["nl-ctm2012", "nl-2021"])
def test_check_passes_for_each_dutch_profile_on_the_shipped_prompts(
    profile: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = check(SHIPPED, capsys, "--profile", profile)
    assert code == 0, lines
    assert lines[-1].endswith("marks measured on these WAVs)")
    assert f"for profile {profile} " in lines[-1]


def test_check_of_nl_2021_needs_the_mark_of_menu_rvv_only(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    offered = copy / "nl" / "offered.toml"
    text = offered.read_text(encoding="utf-8")
    offered.write_text(text.replace("[menu-rvv-only]", "[menu-rvv-only-old]"), encoding="utf-8")
    code, lines = check(copy, capsys, "--profile", "nl-2021")
    assert code == 1
    assert lines == [f"{offered}: [menu-rvv-only] has no mark for recht_van_verzet"]
    assert check(copy, capsys, "--profile", "nl-ctm2012")[0] == 0
