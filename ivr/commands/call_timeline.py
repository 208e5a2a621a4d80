"""One call's evidence as a readable timeline (pure: rows in, lines out)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from enum import Enum
from typing import Any

from ivr.domain import CallEventKind, OptOut
from ivr.store import CallEventRecord, CallRecord
from ivr.timeline import Step, steps


def timeline(
    call: CallRecord, events: Sequence[CallEventRecord], optouts: Sequence[OptOut]
) -> list[str]:
    lines = [
        f"call {call.id}  ({call.advertiser}, profile {call.profile}, lang {call.lang})",
        f"  number {call.number or '-'} ({_value(call.number_source) or '-'}),"
        f" caller id {call.caller_number or '-'}",
        f"  started {_clock(call.started_at)}, ended {_clock(call.ended_at)},"
        f" outcome {_value(call.outcome) or 'open'}",
    ]
    for step in steps(call, events):
        lines.append(f"  {step.second:7.1f}s  {_describe(step)}")
    lines.append(f"  rights: {_rights(call.rights)}")
    lines.append(
        "  evidence: "
        + ("complete" if call.evidence_complete else "INCOMPLETE")
        + (f", sealed #{call.seal_seq} {call.evidence_head}" if call.evidence_head else ", open")
    )
    for optout in optouts:
        lines.append(f"  opt-out {optout.id}: {optout.kind.value} {optout.number}")
    return lines


def _describe(step: Step) -> str:
    event, detail = step.event, step.event.detail
    match event.kind:
        case CallEventKind.PROMPT_STARTED:
            return f"▶ {step.played}"
        case CallEventKind.PROMPT_FINISHED:
            return f"  heard to the end: {step.played}"
        case CallEventKind.PROMPT_INTERRUPTED:
            return f"  interrupted at {step.ended_at}: {step.played}"
        case CallEventKind.PROMPT_FAILED:
            return f"  FAILED at {step.ended_at}: {step.played}"
        case CallEventKind.DIGIT:
            if "digit" in detail:
                ignored = detail.get("ignored")
                return f"⌨ {detail['digit']}" + (f"  (ignored: {ignored})" if ignored else "")
        case CallEventKind.RECORD:
            return f"● recorded {detail.get('kind')} {detail.get('scope') or ''}".rstrip() + (
                f" (opt-out {detail['optout_id']})" if "optout_id" in detail else ""
            )
        case CallEventKind.TRANSFER_ATTEMPT:
            return (
                f"↪ transfer attempt to {detail.get('destination')!r}: {detail.get('result')}"
                f" ({detail.get('mode')})"
            )
        case CallEventKind.HANGUP:
            return f"✆ hung up by {detail.get('by')}"
        case CallEventKind.RIGHTS:
            return f"⚖ rights: {_rights(detail)}"
    return step.with_detail(event.kind.value)


def _rights(rights: dict[str, Any] | None) -> str:
    if rights is None:
        return "no verdict"
    if not rights:
        return "none (ended before any prompt)"
    return ", ".join(f"{right} {verdict}" for right, verdict in sorted(rights.items()))


def _clock(moment: datetime | None) -> str:
    return "-" if moment is None else moment.isoformat(timespec="seconds")


def _value(item: Enum | None) -> str | None:
    return None if item is None else str(item.value)


def call_json(
    call: CallRecord, events: Sequence[CallEventRecord], optouts: Sequence[OptOut]
) -> dict[str, Any]:
    return {
        "call": _plain(asdict(call)),
        "events": [_plain(asdict(event)) for event in events],
        "optouts": [_plain(asdict(optout)) for optout in optouts],
    }


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value
