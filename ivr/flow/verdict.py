"""The rights verdict of a call, from its evidence rows alone (docs/design.md §10.2, §14.3-4).

A pure function over every ``call_events`` row of a call, in ``seq`` order
(several sessions after a resync included): what is stored in ``calls.rights``.
The machine keeps its own verdict as it goes; on a call served by one session
the two agree, which the tests check.

Per right, the first that holds: ``chosen`` (an opt-out of that kind was
recorded), ``chosen_unconfirmed`` (the caller chose it, nothing was recorded),
``heard`` (a playback of a prompt stating it finished, or ended at an offset at
or beyond the prompt's mark, or went on to its next media), ``not_heard``.
A call with no ``prompt_started`` row has the verdict ``{}``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ivr.domain import CallEventKind, Verdict

Marks = Mapping[str, Mapping[str, int]]
Row = tuple[str, Mapping[str, Any]]

_CLOSING = frozenset(
    {
        CallEventKind.PROMPT_FINISHED.value,
        CallEventKind.PROMPT_INTERRUPTED.value,
        CallEventKind.PROMPT_FAILED.value,
    }
)


def rights_verdict(
    rows: Iterable[Row],
    rights: Sequence[str],
    statements: Mapping[str, Sequence[str]],
    marks: Marks,
) -> dict[str, str]:
    """``{right: verdict}`` for the rights of the call's profile."""
    media: dict[Any, list[str]] = {}
    any_prompt = False
    recorded: set[str] = set()
    chosen: set[str] = set()
    heard: set[str] = set()
    for kind, detail in rows:
        if kind == CallEventKind.PROMPT_STARTED:
            any_prompt = True
            media[detail.get("play_id")] = [str(m) for m in detail.get("media", [])]
        elif kind in _CLOSING:
            played = media.get(detail.get("play_id"), [])
            heard |= _heard(played, detail, kind, statements, marks)
        elif kind == CallEventKind.RECORD:
            recorded.add(str(detail.get("kind")))
        elif kind == CallEventKind.CHOICE:
            chosen.add(str(detail.get("right")))
    if not any_prompt:
        return {}
    return {right: _verdict(right, recorded, chosen, heard).value for right in rights}


def _verdict(right: str, recorded: set[str], chosen: set[str], heard: set[str]) -> Verdict:
    if right in recorded:
        return Verdict.CHOSEN
    if right in chosen:
        return Verdict.CHOSEN_UNCONFIRMED
    if right in heard:
        return Verdict.HEARD
    return Verdict.NOT_HEARD


def _heard(
    played: Sequence[str],
    detail: Mapping[str, Any],
    kind: str,
    statements: Mapping[str, Sequence[str]],
    marks: Marks,
) -> set[str]:
    starts: list[int | None] = list(detail.get("starts_ms") or [])
    end: int | None = detail.get("end_ms")
    finished = kind == CallEventKind.PROMPT_FINISHED
    found: set[str] = set()
    for index, prompt in enumerate(played):
        start = starts[index] if index < len(starts) else None
        if start is None:
            continue
        following = starts[index + 1] if index + 1 < len(starts) else None
        for right in statements.get(prompt, ()):
            mark = marks.get(prompt, {}).get(right)
            if mark is None:
                stated = following
            else:
                stated = start + mark if following is None else min(start + mark, following)
            if finished or (stated is not None and end is not None and end >= stated):
                found.add(right)
    return found
