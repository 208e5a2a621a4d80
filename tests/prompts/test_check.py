from __future__ import annotations

from pathlib import Path

import pytest

from ivr.prompts.check import Problem, check_prompt, check_prompts, loudness
from tests.prompts.wavs import write_float_wav, write_wav

MAX_SECONDS = 60.0


def only_message(problems: list[Problem]) -> str:
    assert len(problems) == 1, problems
    return problems[0].message


def test_an_audible_8khz_mono_16bit_prompt_has_no_problems(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "menu.wav")
    assert check_prompt("menu", path, MAX_SECONDS) == []


def test_44_1_khz_file_is_reported_with_its_rate(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "menu.wav", rate=44100)
    assert only_message(check_prompt("menu", path, MAX_SECONDS)) == (
        "sample rate 44100 Hz, need 8000 Hz"
    )


def test_stereo_file_is_reported(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "menu.wav", channels=2)
    assert only_message(check_prompt("menu", path, MAX_SECONDS)) == (
        "2 channels, need mono (1 channel)"
    )


def test_8bit_file_is_reported(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "menu.wav", width=1)
    assert only_message(check_prompt("menu", path, MAX_SECONDS)) == "8-bit samples, need 16-bit"


def test_every_format_fault_of_one_file_is_listed(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "menu.wav", rate=16000, channels=2, width=1)
    messages = [problem.message for problem in check_prompt("menu", path, MAX_SECONDS)]
    assert messages == [
        "sample rate 16000 Hz, need 8000 Hz",
        "2 channels, need mono (1 channel)",
        "8-bit samples, need 16-bit",
    ]


def test_all_zero_file_is_silent(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "menu.wav", amplitude=0.0)
    assert only_message(check_prompt("menu", path, MAX_SECONDS)) == (
        "silent (every sample is zero)"
    )


def test_a_whisper_of_noise_is_silent_too(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "menu.wav", amplitude=0.001)
    message = only_message(check_prompt("menu", path, MAX_SECONDS))
    assert message == (
        "silent or nearly (peak -59.9 dBFS, RMS -63.0 dBFS; "
        "need a peak above -40 dBFS and RMS above -60 dBFS)"
    )


def test_a_quiet_but_audible_prompt_passes(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "menu.wav", amplitude=0.05)
    assert check_prompt("menu", path, MAX_SECONDS) == []


def test_file_longer_than_the_profile_allows_is_reported(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "menu.wav", seconds=3.0)
    assert only_message(check_prompt("menu", path, 2.5)) == (
        "3.0 s long, the profile allows at most 2.5 s"
    )


def test_file_exactly_as_long_as_allowed_passes(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "menu.wav", seconds=2.5)
    assert check_prompt("menu", path, 2.5) == []


def test_text_file_named_wav_is_not_a_wav(tmp_path: Path) -> None:
    path = tmp_path / "menu.wav"
    path.write_text("Toets 1 voor het recht van verzet.", encoding="utf-8")
    assert only_message(check_prompt("menu", path, MAX_SECONDS)) == (
        "not a WAV file (no RIFF/WAVE header)"
    )


def test_empty_file_is_not_a_wav(tmp_path: Path) -> None:
    path = tmp_path / "menu.wav"
    path.write_bytes(b"")
    assert only_message(check_prompt("menu", path, MAX_SECONDS)) == (
        "not a WAV file (no RIFF/WAVE header)"
    )


def test_wav_cut_short_in_its_header_is_broken(tmp_path: Path) -> None:
    whole = write_wav(tmp_path / "whole.wav").read_bytes()
    path = tmp_path / "menu.wav"
    path.write_bytes(whole[:20])
    assert only_message(check_prompt("menu", path, MAX_SECONDS)) == "broken WAV file (cut short)"


def test_float_wav_is_not_pcm(tmp_path: Path) -> None:
    path = write_float_wav(tmp_path / "menu.wav")
    assert only_message(check_prompt("menu", path, MAX_SECONDS)) == (
        "not PCM audio (WAV format tag 3), need 16-bit PCM"
    )


def test_wav_without_samples_is_reported(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "menu.wav", seconds=0)
    assert only_message(check_prompt("menu", path, MAX_SECONDS)) == "no audio in it (0 samples)"


def test_missing_prompt_is_reported_with_its_path(tmp_path: Path) -> None:
    problems = check_prompts(tmp_path, ["welcome"], MAX_SECONDS)
    assert problems == [Problem("welcome", tmp_path / "welcome.wav", "missing")]
    assert str(problems[0]) == f"{tmp_path / 'welcome.wav'}: missing"


def test_check_lists_each_bad_prompt_and_skips_good_ones(tmp_path: Path) -> None:
    write_wav(tmp_path / "welcome.wav")
    write_wav(tmp_path / "menu.wav", rate=44100)
    write_wav(tmp_path / "advertisers" / "acme.wav", channels=2)
    problems = check_prompts(
        tmp_path, ["welcome", "menu", "advertisers/acme", "goodbye"], MAX_SECONDS
    )
    assert [(problem.name, problem.path.relative_to(tmp_path)) for problem in problems] == [
        ("menu", Path("menu.wav")),
        ("advertisers/acme", Path("advertisers/acme.wav")),
        ("goodbye", Path("goodbye.wav")),
    ]


def test_missing_directory_is_one_problem_not_one_per_prompt(tmp_path: Path) -> None:
    problems = check_prompts(tmp_path / "en", ["welcome", "menu"], MAX_SECONDS)
    assert [problem.message for problem in problems] == ["no such prompts directory"]


@pytest.mark.parametrize("name", ["../secret", "/etc/passwd", "", "a\\b"])
def test_a_name_that_leaves_the_language_folder_is_refused(tmp_path: Path, name: str) -> None:
    write_wav(tmp_path / "secret.wav")
    (tmp_path / "nl").mkdir()
    message = only_message(check_prompts(tmp_path / "nl", [name], MAX_SECONDS))
    assert message == f"{name!r} is not a valid prompt name"


def test_loudness_of_a_half_scale_tone() -> None:
    samples = b"".join(value.to_bytes(2, "little", signed=True) for value in [16384, -16384] * 100)
    level = loudness(samples)
    assert level.peak_dbfs == pytest.approx(-6.02, abs=0.01)
    assert level.rms_dbfs == pytest.approx(-6.02, abs=0.01)
    assert not level.silent
