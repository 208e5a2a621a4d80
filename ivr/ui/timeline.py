"""One call's evidence rows as the page's timeline lines, in the page's language
(pure: rows in, lines out; the same reading as ``ivr calls show``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ivr.domain import CallEventKind
from ivr.store import CallEventRecord, CallRecord
from ivr.ui.texts import text

_QUIET = {"play_id", "play", "media", "prompt", "sha256", "sha256_source", "starts_ms"}


@dataclass(frozen=True)
class Line:
    second: str
    kind: str
    says: str


def timeline(call: CallRecord, events: Sequence[CallEventRecord], lang: str) -> list[Line]:
    media: dict[str, str] = {}
    lines = []
    for event in events:
        offset = (event.at - call.started_at).total_seconds()
        lines.append(Line(f"{offset:.1f}", event.kind.value, _describe(event, media, lang)))
    return lines


def _describe(event: CallEventRecord, media: dict[str, str], lang: str) -> str:
    detail = event.detail
    play = str(detail.get("play_id", detail.get("play", "")))
    match event.kind:
        case CallEventKind.PROMPT_STARTED:
            names = detail.get("media") or [detail.get("prompt", "?")]
            media[play] = " + ".join(str(n) for n in names)
            return f"{text(lang, 'played')} {media[play]}"
        case CallEventKind.PROMPT_FINISHED:
            return f"{_played(detail, media, play)}: {text(lang, 'heard_to_end')}"
        case CallEventKind.PROMPT_INTERRUPTED:
            said = text(lang, "interrupted_at", at=_at_ms(detail))
            return f"{_played(detail, media, play)}: {said}"
        case CallEventKind.PROMPT_FAILED:
            return f"{_played(detail, media, play)}: {text(lang, 'failed_at', at=_at_ms(detail))}"
        case CallEventKind.DIGIT if "digit" in detail:
            ignored = detail.get("ignored")
            said = f"{text(lang, 'key')} {detail['digit']}"
            return said + (f" ({text(lang, 'ignored')}: {ignored})" if ignored else "")
        case CallEventKind.RECORD:
            said = f"{text(lang, 'recorded')}: {text(lang, str(detail.get('kind')))}"
            scope = detail.get("scope")
            if scope:
                said += " " + (scope if isinstance(scope, str) else ", ".join(scope))
            return said
        case CallEventKind.TRANSFER_ATTEMPT:
            return text(lang, "transfer", to=detail.get("destination"), result=detail.get("result"))
        case CallEventKind.HANGUP:
            return text(lang, "hangup_by", by=detail.get("by"))
        case CallEventKind.RIGHTS:
            return f"{text(lang, 'rights')}: {rights_text(detail, lang)}"
    rest = {k: v for k, v in detail.items() if k not in _QUIET}
    said = text(lang, "event_" + event.kind.value)
    return f"{said} {json.dumps(rest, ensure_ascii=False)}" if rest else said


def rights_text(rights: dict[str, Any] | None, lang: str) -> str:
    if not rights:
        return text(lang, "no_verdict")
    return ", ".join(f"{text(lang, right)}: {verdict}" for right, verdict in sorted(rights.items()))


def _played(detail: dict[str, Any], media: dict[str, str], play: str) -> str:
    return str(detail.get("media_at_end") or media.get(play) or detail.get("prompt", "?"))


def _at_ms(detail: dict[str, Any]) -> str:
    value = detail.get("end_ms", detail.get("offset_ms"))
    return "?" if value is None else f"{int(value) / 1000:.1f}s"
