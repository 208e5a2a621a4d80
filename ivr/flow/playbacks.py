"""Playbacks as the evidence sees them (pure, docs/design.md §15.33): one ``prompt_started``
row when a play's first media starts and one closing row when it ends, with each
media's start and the end as offsets from the play's start; the rights a closing
play stated become heard (§14.3)."""

from __future__ import annotations

from typing import Any

from ivr.domain import CallEventKind
from ivr.flow.actions import Action, Evidence, Play
from ivr.flow.state import MachineState, PlayTrack, replace

Result = tuple[MachineState, list[Action]]


def evidence_row(kind: CallEventKind, /, **detail: Any) -> Evidence:
    return Evidence(kind, detail)


def new_play(state: MachineState, prompts: tuple[str, ...]) -> tuple[MachineState, Play]:
    """A new play of ``prompts``, with the next play id, playing from now on."""
    play_id = state.play_id + 1
    tracks = {**state.tracks, play_id: PlayTrack(play_id, prompts)}
    return replace(state, play_id=play_id, playing=True, tracks=tracks), Play(play_id, prompts)


def media_started(state: MachineState, play_id: int, index: int, at: int | None) -> Result:
    track = state.tracks.get(play_id)
    if track is None or index < len(track.starts):
        return state, []
    actions: list[Action] = [] if track.starts else [started_row(state, track)]
    starts = track.starts + (None,) * (index - len(track.starts)) + (at,)
    track = replace(track, starts=starts)
    return replace(state, tracks={**state.tracks, play_id: track}, any_prompt=True), actions


def started_row(state: MachineState, track: PlayTrack) -> Evidence:
    known = [state.config.fingerprints.get(prompt) for prompt in track.prompts]
    sources = [found[1] for found in known if found is not None]
    return evidence_row(
        CallEventKind.PROMPT_STARTED,
        play_id=track.play_id,
        media=list(track.prompts),
        sha256=[None if found is None else found[0] for found in known],
        sha256_source=sources[0] if sources else None,
    )


def close(
    state: MachineState,
    play_id: int,
    kind: CallEventKind,
    end: int | None,
    **extra: Any,
) -> Result:
    """The closing row of a playback; the rights it stated become heard."""
    track = state.tracks.get(play_id)
    if track is None:
        return state, []
    tracks = {k: v for k, v in state.tracks.items() if k != play_id}
    actions: list[Action] = [] if track.starts else [started_row(state, track)]
    base = next((s for s in track.starts if s is not None), None)
    starts_ms = [None if s is None or base is None else s - base for s in track.starts]
    end_ms = None if end is None or base is None else end - base
    heard = rights_heard(state, track, end, finished=kind is CallEventKind.PROMPT_FINISHED)
    actions.append(
        evidence_row(
            kind,
            play_id=play_id,
            starts_ms=starts_ms,
            end_ms=end_ms,
            media_at_end=prompt_at_end(track),
            **extra,
        )
    )
    state = replace(state, tracks=tracks, heard_rights=state.heard_rights | heard)
    return state, actions


def close_all(state: MachineState, at: int | None, *, cause: str | None) -> Result:
    """Close every open playback: the call is ending (hang-up, left, or over)."""
    actions: list[Action] = []
    for track in sorted(state.tracks.values(), key=lambda t: t.play_id):
        if track.stopped or cause is None:
            end = track.stopped_at if track.stopped else None
            state, rows = close(state, track.play_id, CallEventKind.PROMPT_INTERRUPTED, end)
        else:
            state, rows = close(state, track.play_id, CallEventKind.PROMPT_FAILED, at, cause=cause)
        actions += rows
    return state, actions


def mark(state: MachineState, prompt: str, name: str | None) -> int | None:
    """Where ``prompt`` has stated ``name`` (ms); ``None``: only once it has played whole."""
    if name is None:
        return 0
    return state.config.marks.get(prompt, {}).get(name)


def stated_at(state: MachineState, track: PlayTrack, index: int, mark: int | None) -> int | None:
    """The moment media ``index`` of ``track`` had stated its mark, if known yet."""
    start = track.started_at(index)
    if start is None:
        return None
    following = track.started_at(index + 1)
    if mark is None:
        return following
    return start + mark if following is None else min(start + mark, following)


def rights_heard(
    state: MachineState, track: PlayTrack, end: int | None, *, finished: bool
) -> frozenset[str]:
    heard: set[str] = set()
    for index, prompt in enumerate(track.prompts):
        for right in state.profile.statement_prompts.get(prompt, ()):
            if track.started_at(index) is None:
                continue
            stated = stated_at(state, track, index, mark(state, prompt, right))
            if finished or (stated is not None and end is not None and end >= stated):
                heard.add(right)
    return frozenset(heard)


def prompt_at_end(track: PlayTrack | None) -> str:
    """The media playing when ``track`` ended: the last one started (else the first)."""
    if track is None:
        return ""
    return track.prompts[max(0, min(len(track.starts), len(track.prompts)) - 1)]
