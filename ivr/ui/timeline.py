"""One call's evidence rows as the page's timeline lines, in the page's language
(pure: rows in, lines out; the steps of :mod:`ivr.timeline`, as ``ivr calls show`` reads them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ivr.domain import CallEventKind
from ivr.store import CallEventRecord, CallRecord
from ivr.timeline import Step, steps
from ivr.ui.texts import text


@dataclass(frozen=True)
class Line:
    second: str
    kind: str
    says: str


def timeline(call: CallRecord, events: Sequence[CallEventRecord], lang: str) -> list[Line]:
    return [
        Line(f"{step.second:.1f}", step.event.kind.value, _describe(step, lang))
        for step in steps(call, events)
    ]


def _describe(step: Step, lang: str) -> str:
    event, detail = step.event, step.event.detail
    match event.kind:
        case CallEventKind.PROMPT_STARTED:
            return f"{text(lang, 'played')} {step.played}"
        case CallEventKind.PROMPT_FINISHED:
            return f"{step.played}: {text(lang, 'heard_to_end')}"
        case CallEventKind.PROMPT_INTERRUPTED:
            return f"{step.played}: {text(lang, 'interrupted_at', at=step.ended_at)}"
        case CallEventKind.PROMPT_FAILED:
            return f"{step.played}: {text(lang, 'failed_at', at=step.ended_at)}"
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
    return step.with_detail(text(lang, "event_" + event.kind.value))


def rights_text(rights: dict[str, Any] | None, lang: str) -> str:
    if not rights:
        return text(lang, "no_verdict")
    return ", ".join(f"{text(lang, right)}: {verdict}" for right, verdict in sorted(rights.items()))
