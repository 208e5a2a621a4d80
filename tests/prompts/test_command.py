"""``ivr prompts check`` from the command line (the shipped prompts and broken copies)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.cli import main
from tests.prompts.wavs import write_wav

SHIPPED = Path(__file__).resolve().parents[2] / "prompts"


pytestmark = pytest.mark.usefixtures("clean_config")


def test_check_passes_on_the_shipped_prompts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prompts", "check", "--dir", str(SHIPPED)]) == 0
    out = capsys.readouterr().out
    assert out == (
        f"43 prompts in {SHIPPED / 'nl'} are fine for profile nl-ctm2012 "
        "(8 kHz mono 16-bit PCM, audible, at most 60 s; marks measured on these WAVs)\n"
    )


def test_check_reads_the_prompts_dir_from_the_settings(
    copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("IVR_PROMPTS_DIR", str(copy))
    assert main(["prompts", "check"]) == 0
    assert str(copy / "nl") in capsys.readouterr().out


def test_check_lists_every_bad_prompt_on_its_own_line_and_exits_1(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nl = copy / "nl"
    write_wav(nl / "menu.wav", rate=44100)
    write_wav(nl / "welcome.wav", channels=2)
    write_wav(nl / "goodbye.wav", width=1)
    write_wav(nl / "invalid.wav", amplitude=0.0)
    write_wav(nl / "charities.wav", seconds=61.0)
    (nl / "digit-7.wav").write_text("zeven", encoding="utf-8")
    (nl / "category-energie.wav").unlink()
    assert main(["prompts", "check", "--dir", str(copy)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[:7] == [
        f"{nl / 'welcome.wav'}: 2 channels, need mono (1 channel)",
        f"{nl / 'menu.wav'}: sample rate 44100 Hz, need 8000 Hz",
        f"{nl / 'invalid.wav'}: silent (every sample is zero)",
        f"{nl / 'charities.wav'}: 61.0 s long, the profile allows at most 60 s",
        f"{nl / 'goodbye.wav'}: 8-bit samples, need 16-bit",
        f"{nl / 'category-energie.wav'}: missing",
        f"{nl / 'digit-7.wav'}: not a WAV file (no RIFF/WAVE header)",
    ]
    offered = nl / "offered.toml"
    marks = [
        f"{offered}: [menu] was measured on another recording",
        f"{offered}: [menu] bel_me_niet = ",
        f"{offered}: [menu] recht_van_verzet = ",
        f"{offered}: [charities] was measured on another recording",
    ]
    assert len(lines) == 7 + len(marks)
    assert all(line.startswith(mark) for line, mark in zip(lines[7:], marks, strict=True))
    assert lines[8].endswith("ms is beyond the end of the WAV (500 ms)")


def test_check_includes_configured_advertisers_name_prompts(
    copy: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(
        "IVR_ADVERTISERS",
        '{"acme": {"name": "Acme Energie", "name_prompt": "advertisers/acme"},'
        ' "zon": {"name": "Zon & Co", "name_prompt": "advertisers/zon"},'
        ' "plain": {"name": "Plain"}}',
    )
    assert main(["prompts", "check", "--dir", str(copy)]) == 1
    assert capsys.readouterr().out == f"{copy / 'nl' / 'advertisers' / 'zon.wav'}: missing\n"


def test_check_of_a_language_without_prompts_warns_and_checks_dutch(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["prompts", "check", "--dir", str(SHIPPED), "--lang", "de"]) == 0
    captured = capsys.readouterr()
    assert captured.err == (
        f"ivr: warning: language 'de' is missing in {SHIPPED}; "
        "calls fall back to 'nl', checking those\n"
    )
    assert f"in {SHIPPED / 'nl'} are fine" in captured.out


def test_check_of_a_half_made_language_fails(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_wav(copy / "de" / "welcome.wav")
    assert main(["prompts", "check", "--dir", str(copy), "--lang", "de"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 42 + 4
    assert lines[0] == f"{copy / 'de' / 'advertiser-generic.wav'}: missing"
    assert lines[42:] == [
        f"{copy / 'de' / 'offered.toml'}: [{name}] has no mark for {keys}"
        for name, keys in [
            ("menu", "recht_van_verzet, bel_me_niet"),
            ("offer-register", "bel_me_niet"),
            ("offer-rvv", "recht_van_verzet"),
            ("charities", "asked"),
        ]
    ]


def test_check_without_a_prompts_folder_says_so_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["prompts", "check", "--dir", str(tmp_path / "nowhere")]) == 1
    assert capsys.readouterr().out == f"{tmp_path / 'nowhere' / 'nl'}: no such prompts directory\n"


def test_check_with_an_unknown_profile_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("IVR_PROFILE", "xx-none")
    assert main(["prompts", "check", "--dir", str(SHIPPED)]) == 2
    assert "unknown profile 'xx-none'" in capsys.readouterr().err
