"""The steps both timelines tell (``ivr calls show`` and /ui/gesprek), from both forms of
playback rows: per playback (``play_id``, ``media``, ``end_ms``) and per prompt (``play``,
``prompt``, ``offset_ms``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ivr.commands.call_timeline import timeline as cli_timeline
from ivr.domain import CallEventKind as K
from ivr.store import CallEventRecord, CallRecord
from ivr.timeline import steps
from ivr.ui.timeline import timeline as page_timeline

START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
CALL = CallRecord(id="c1", channel_id="ch", advertiser="acme", started_at=START, profile="nl-2021")


def rows(*given: tuple[float, K, dict[str, Any]]) -> list[CallEventRecord]:
    return [
        CallEventRecord("c1", seq, START + timedelta(seconds=s), kind, detail)
        for seq, (s, kind, detail) in enumerate(given, 1)
    ]


EVENTS = rows(
    (0.5, K.PROMPT_STARTED, {"play_id": 1, "media": ["welcome", "menu"], "starts_ms": [0, 900]}),
    (2.25, K.PROMPT_INTERRUPTED, {"play_id": 1, "end_ms": 1250, "media_at_end": "menu"}),
    (3, K.PROMPT_STARTED, {"play": 7, "prompt": "goodbye"}),
    (4, K.PROMPT_FINISHED, {"play": 7, "offset_ms": 980}),
    (5, K.PROMPT_FAILED, {"play_id": 9}),
    (6, K.NOTE, {"play_id": 9, "sha256": "ab", "text": "één"}),
    (7, K.NOTE, {"play_id": 9}),
)


def test_a_playback_row_names_its_media_and_where_it_ended() -> None:
    told = [(s.second, s.played, s.ended_at) for s in steps(CALL, EVENTS)]
    assert told == [
        (0.5, "welcome + menu", "?"),
        (2.25, "menu", "1.2s"),
        (3.0, "goodbye", "?"),
        (4.0, "goodbye", "1.0s"),
        (5.0, "?", "?"),
        (6.0, "", "?"),
        (7.0, "", "?"),
    ]
    assert [s.with_detail("note") for s in steps(CALL, EVENTS)][5:] == [
        'note {"text": "één"}',
        "note",
    ]


def test_the_command_and_the_page_tell_the_same_steps() -> None:
    assert cli_timeline(CALL, EVENTS, [])[3:10] == [
        "      0.5s  ▶ welcome + menu",
        "      2.2s    interrupted at 1.2s: menu",
        "      3.0s  ▶ goodbye",
        "      4.0s    heard to the end: goodbye",
        "      5.0s    FAILED at ?: ?",
        '      6.0s  note {"text": "één"}',
        "      7.0s  note",
    ]
    assert [(line.second, line.says) for line in page_timeline(CALL, EVENTS, "en")] == [
        ("0.5", "plays welcome + menu"),
        ("2.2", "menu: interrupted at 1.2s"),
        ("3.0", "plays goodbye"),
        ("4.0", "goodbye: heard to the end"),
        ("5.0", "?: FAILED at ?"),
        ("6.0", 'note {"text": "één"}'),
        ("7.0", "note"),
    ]
