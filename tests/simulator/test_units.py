"""The small pieces: sound durations, wire formats, caller ids, routing, the command."""

from __future__ import annotations

import wave
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ivr.cli import main
from ivr.simulator.dialplan import parse_caller_id
from ivr.simulator.routes import resolve
from ivr.simulator.sounds import MediaOutcome, SoundLibrary
from ivr.simulator.wire import asterisk_time, atoi, dumps


def _wav(path: Path, seconds: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(b"\0\0" * int(8000 * seconds))


class TestSounds:
    def test_prompt_duration_comes_from_the_wav_header(self, tmp_path: Path) -> None:
        _wav(tmp_path / "prompts" / "nl" / "menu.wav", 2.5)
        sounds = SoundLibrary(tmp_path / "prompts", None)
        plan = sounds.plan("sound:ivr/nl/menu", "en")
        assert (plan.outcome, plan.seconds) == (MediaOutcome.PLAYS, 2.5)
        assert sounds.plan("sound:ivr/nl/nothing", "en").outcome is MediaOutcome.MISSING

    def test_sounds_directory_and_core_table(self, tmp_path: Path) -> None:
        _wav(tmp_path / "sounds" / "en" / "custom.wav", 1.0)
        (tmp_path / "sounds" / "en" / "raw.gsm").write_bytes(b"\0" * 1650 * 2)
        sounds = SoundLibrary(None, tmp_path / "sounds")
        assert sounds.plan("sound:custom", "en").seconds == 1.0
        assert sounds.plan("sound:raw", "fr").seconds == pytest.approx(2.0)
        assert sounds.plan("sound:hello-world", "en").seconds == 1.40
        assert sounds.plan("sound:../etc/passwd", "en").outcome is MediaOutcome.MISSING

    @pytest.mark.parametrize(
        ("media", "outcome", "seconds"),
        [
            ("digits:0612", MediaOutcome.PLAYS, 1.8),
            ("number:42", MediaOutcome.PLAYS, 0.9),
            ("tone:ring", MediaOutcome.ENDLESS, 0.0),
            ("recording:nope", MediaOutcome.NEVER_ENDS, 0.0),
            ("nosuchscheme:foo", MediaOutcome.NEVER_ENDS, 0.0),
        ],
    )
    def test_other_schemes(self, media: str, outcome: MediaOutcome, seconds: float) -> None:
        plan = SoundLibrary(None, None).plan(media, "en")
        assert plan.outcome is outcome
        assert plan.seconds == pytest.approx(seconds)


def test_asterisk_timestamps() -> None:
    moment = datetime(2026, 11, 28, 1, 23, 8, 75_900, tzinfo=UTC)
    assert asterisk_time(moment) == "2026-11-28T01:23:08.075+0000"


def test_compact_json() -> None:
    assert dumps({"message": "Channel not found"}) == '{"message":"Channel not found"}'


@pytest.mark.parametrize(
    ("raw", "value"), [("30", 30), ("abc", 0), ("12abc", 12), ("-5", -5), ("", 0), (None, 0)]
)
def test_atoi_like_asterisk(raw: str | None, value: int) -> None:
    assert atoi(raw) == value


@given(st.text())
def test_atoi_never_fails(raw: str) -> None:
    assert isinstance(atoi(raw), int)


@pytest.mark.parametrize(
    ("raw", "name", "number"),
    [
        ("Alice <+15550001001>", "Alice", "+15550001001"),
        ('"Bob B" <0612>', "Bob B", "0612"),
        ("+31612345678", "", "+31612345678"),
        ("Carol", "Carol", ""),
        (None, "", ""),
    ],
)
def test_caller_id_parsing(raw: str | None, name: str, number: str) -> None:
    party = parse_caller_id(raw)
    assert (party.name, party.number) == (name, number)


@given(st.text(max_size=60))
def test_caller_id_parsing_never_fails(raw: str) -> None:
    parse_caller_id(raw)


def test_routing_prefers_literal_segments() -> None:
    found = resolve("/channels/create")
    assert found is not None and found[0].template == "/channels/create"
    found = resolve("/channels/1795828985.3/play/abc")
    assert found is not None and found[1] == {"channelId": "1795828985.3", "playbackId": "abc"}
    assert resolve("/channels/a/b/c/d") is None


def test_simulate_help_documents_the_script_format(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["simulate", "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert '"on_prompt": "menu", "after_ms": 1200, "press": "2"' in text
    assert "--speed" in text and "--channelvars" in text and "--script" in text


def test_simulate_refuses_a_bad_script(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "callers.json"
    script.write_text("[{]")
    assert main(["simulate", "--script", str(script), "--log-format", "json"]) == 2
    assert "cannot read script" in capsys.readouterr().err
