"""One call's evidence rows read as the steps of its timeline (pure): the reading that
``ivr calls show`` and the page's Gesprek share, each telling the steps in its own words.

Reads both forms of playback rows: per playback (``play_id``, ``media``,
``end_ms``, docs/design.md 15.33) and the older per prompt (``play``, ``prompt``,
``offset_ms``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from ivr.domain import CallEventKind
from ivr.store import CallEventRecord, CallRecord

_CLOSING = frozenset(
    {
        CallEventKind.PROMPT_FINISHED,
        CallEventKind.PROMPT_INTERRUPTED,
        CallEventKind.PROMPT_FAILED,
    }
)
_QUIET = {"play_id", "play", "media", "prompt", "sha256", "sha256_source", "starts_ms"}


@dataclass(frozen=True, slots=True)
class Step:
    event: CallEventRecord
    second: float
    """Since the call started."""
    played: str
    """A playback row's media (names joined by `` + ``); empty for other rows."""

    @property
    def ended_at(self) -> str:
        """Where in its media a playback ended, as ``1.2s`` (``?`` when not known)."""
        value = self.event.detail.get("end_ms", self.event.detail.get("offset_ms"))
        return "?" if value is None else f"{int(value) / 1000:.1f}s"

    def with_detail(self, said: str) -> str:
        """``said``, then the row's detail as JSON, when it holds more than bookkeeping."""
        rest = {k: v for k, v in self.event.detail.items() if k not in _QUIET}
        return f"{said} {json.dumps(rest, ensure_ascii=False)}" if rest else said


def steps(call: CallRecord, events: Sequence[CallEventRecord]) -> list[Step]:
    media: dict[str, str] = {}
    found = []
    for event in events:
        detail = event.detail
        play = str(detail.get("play_id", detail.get("play", "")))
        played = ""
        if event.kind is CallEventKind.PROMPT_STARTED:
            names = detail.get("media") or [detail.get("prompt", "?")]
            played = media[play] = " + ".join(str(n) for n in names)
        elif event.kind in _CLOSING:
            at_end = detail.get("media_at_end")
            played = str(at_end or media.get(play) or detail.get("prompt", "?"))
        found.append(Step(event, (event.at - call.started_at).total_seconds(), played))
    return found
