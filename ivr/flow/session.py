"""One call in the IVR: ARI events in, machine actions out.

The session owns no decisions: it turns ARI events into machine events
(:mod:`ivr.flow.events`), feeds them to the pure machine, and carries out the
actions it returns as REST calls, timers and store writes.  Events of one
channel are handled strictly in order through the session's inbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import structlog

from ivr.ari.errors import AriError, AriUnavailable, ChannelNotFound, PlaybackNotFound, ServerError
from ivr.ari.events import (
    AriEvent,
    AriEventBase,
    BridgeBlindTransfer,
    ChannelDtmfReceived,
    ChannelHangupRequest,
    ChannelTransfer,
    MalformedEvent,
    PlaybackContinuing,
    PlaybackFinished,
    PlaybackStarted,
    StasisEnd,
    UnknownEvent,
)
from ivr.ari.http import AriClient
from ivr.ari.models import Channel
from ivr.clock import Clock, TimerHandle
from ivr.config import Settings
from ivr.domain import (
    CallEventKind,
    CallStart,
    NumberSource,
    OptOutKind,
    OptOutRequest,
    OptOutSource,
    Outcome,
)
from ivr.flow import actions as act
from ivr.flow import events as ev
from ivr.flow.machine import CallConfig, MachineState, initial_state, step
from ivr.flow.profile import Profile
from ivr.flow.refusal import find_refusal
from ivr.flow.stasis_args import StasisArgs
from ivr.metrics import Metrics
from ivr.prompts.lang import resolve_prompt_language, spoken_languages, why_not_language
from ivr.prompts.names import FALLBACK_LANGUAGE
from ivr.rules.numbers import normalize
from ivr.store import Store

log = structlog.get_logger(__name__)

UNKNOWN_ADVERTISER = "unknown"
RETRY_DELAY_S = 0.2


@dataclass(frozen=True, slots=True)
class SessionContext:
    """What every call shares: the wire, the records, the clock and the rules."""

    ari: AriClient
    store: Store
    clock: Clock
    profile: Profile
    settings: Settings
    metrics: Metrics


@dataclass(frozen=True, slots=True)
class Resumption:
    """A call picked up again after a reconnect: same call id, choices already made."""

    call_id: str
    done: frozenset[OptOutKind]
    number: str | None


@dataclass(slots=True)
class _Playback:
    play_id: int
    prompts: tuple[str, ...]
    media_started_at: float = 0.0
    media: str = ""
    stopped: bool = False


class CallSession:
    def __init__(
        self,
        ctx: SessionContext,
        channel: Channel,
        stasis: StasisArgs,
        *,
        resumption: Resumption | None = None,
        shutting_down: bool = False,
    ) -> None:
        self._ctx = ctx
        self._channel = channel
        self._stasis = stasis
        self._resumption = resumption
        self._shutting_down = shutting_down
        self.call_id = resumption.call_id if resumption else str(uuid.uuid4())
        self._generation = uuid.uuid4().hex[:8]
        self._inbox: asyncio.Queue[AriEvent | ev.Event] = asyncio.Queue()
        self._state: MachineState | None = None
        self._playbacks: dict[str, _Playback] = {}
        self._current_playback: str | None = None
        self._timers: dict[str, TimerHandle] = {}
        self._records: set[asyncio.Task[None]] = set()
        self._number: str | None = None
        self._advertiser = UNKNOWN_ADVERTISER
        self._lang = "nl"
        self._hangup_requested = False
        self._app_hung_up = False
        self._left_app = False
        self.outcome: Outcome | None = None

    @property
    def channel_id(self) -> str:
        return self._channel.id

    @property
    def finished(self) -> bool:
        return self.outcome is not None

    def deliver(self, item: AriEvent | ev.Event) -> None:
        self._inbox.put_nowait(item)

    # -- life cycle ---------------------------------------------------------

    async def run(self) -> Outcome | None:
        structlog.contextvars.bind_contextvars(call_id=self.call_id, channel_id=self.channel_id)
        self._ctx.metrics.calls_active.inc()
        try:
            for event in await self._start():
                await self._feed(event)
            while not self.finished:
                item = await self._inbox.get()
                for event in self._translate(item):
                    await self._feed(event)
                    if self.finished:
                        break
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("call_session_crashed")
            await self._fail_hard()
        finally:
            self._cancel_timers()
            self._ctx.metrics.calls_active.dec()
        return self.outcome

    async def abandon(self) -> frozenset[OptOutKind]:
        """Give the channel up to a fresh session (after a reconnect); returns kinds recorded."""
        self._cancel_timers()
        if self._current_playback is not None:
            await self._stop_playback(self._current_playback)
        await self._wait_records()
        rows = await self._ctx.store.optouts_for_call(self.call_id)
        return frozenset(row.kind for row in rows)

    async def end_as_lost(self) -> None:
        """The channel left while we could not see it (gone after a reconnect)."""
        await self._wait_records()
        await self._finish(Outcome.LOST)

    async def _start(self) -> list[ev.Event]:
        """Set the call up; returns the first events, ``Start`` and what went wrong already."""
        first: list[ev.Event] = [ev.Start()]
        settings = self._ctx.settings
        stasis = self._stasis
        self._advertiser = stasis.advertiser or settings.default_advertiser or UNKNOWN_ADVERTISER
        if stasis.advertiser is None and settings.default_advertiser is None:
            log.error(
                "call_without_advertiser",
                hint="set advertiser= in Stasis() or IVR_DEFAULT_ADVERTISER",
            )
            self._ctx.metrics.calls_without_advertiser.inc()
        elif self._advertiser not in settings.advertisers:
            log.warning("advertiser_not_configured", advertiser=self._advertiser)
        self._lang = self._prompt_language(stasis.lang or "nl")
        for arg in stasis.ignored:
            log.warning("stasis_arg_ignored", arg=arg)

        arg_number = normalize(stasis.number)
        caller_number = normalize(self._channel.caller.number if self._channel.caller else None)
        if self._resumption and self._resumption.number:
            arg_number = self._resumption.number
        number_source = NumberSource.ARG if arg_number else None

        if self._resumption is None:
            call = CallStart(
                id=self.call_id,
                channel_id=self.channel_id,
                advertiser=self._advertiser,
                started_at=self._ctx.clock.now(),
                profile=self._ctx.profile.name,
                lang=self._lang,
                campaign=stasis.campaign,
                agent=stasis.agent,
                script=stasis.script,
                number=arg_number,
                number_source=number_source,
                extra=dict(stasis.extra),
            )
            try:
                await self._ctx.store.start_call(call)
            except Exception:
                log.exception("call_record_failed")
                self._ctx.metrics.store_errors.inc()
                first.append(ev.Failed("store"))
        self._number = arg_number

        refuse = False
        if not self._shutting_down and self._resumption is None:
            try:
                refusal = await find_refusal(self._ctx.ari, self._channel, settings.refuse_amd)
            except ChannelNotFound:
                first.append(ev.HungUp())
                refusal = None
            except AriError as exc:
                log.warning("refusal_check_failed", error=str(exc))
                refusal = None
            if refusal is not None:
                refuse = True
                log.info("voicemail_refused", reason=refusal.reason, value=refusal.value)
                self._ctx.metrics.refusals.labels(reason=refusal.reason).inc()

        config = CallConfig(
            advertiser_prompt=self._advertiser_prompt(),
            number=arg_number,
            caller_number=caller_number,
            answered=self._channel.state == "Up",
            refuse=refuse,
            done=self._resumption.done if self._resumption else frozenset(),
            shutting_down=self._shutting_down,
        )
        self._state = initial_state(self._ctx.profile, config)
        log.info(
            "call_started" if self._resumption is None else "call_resumed",
            advertiser=self._advertiser,
            number=arg_number or caller_number,
            campaign=stasis.campaign,
        )
        return first

    def _advertiser_prompt(self) -> str | None:
        known = self._ctx.settings.advertisers.get(self._advertiser)
        return known.name_prompt if known else None

    def _prompt_language(self, lang: str) -> str:
        """The call's language when its prompts exist (checked when they are local), else nl."""
        prompts = Path(self._ctx.settings.prompts_dir)
        if prompts.is_dir():
            return resolve_prompt_language(
                prompts, lang, spoken_languages(prompts, self._ctx.profile)
            )
        if why_not_language(prompts, lang) == "invalid":
            log.warning("prompt_language_invalid", lang=lang, fallback=FALLBACK_LANGUAGE)
            return FALLBACK_LANGUAGE
        return lang

    # -- the machine --------------------------------------------------------

    async def _feed(self, event: ev.Event) -> None:
        pending: list[ev.Event] = [event]
        while pending and not self.finished:
            assert self._state is not None
            self._state, actions = step(self._state, pending.pop(0))
            for action in actions:
                pending.extend(await self._perform(action))

    async def _perform(self, action: act.Action) -> list[ev.Event]:
        match action:
            case act.Answer():
                return await self._answer()
            case act.Play(play_id=play_id, prompts=prompts):
                return await self._play(play_id, prompts)
            case act.StopPlayback(play_id=play_id):
                for playback_id, playback in self._playbacks.items():
                    if playback.play_id == play_id:
                        await self._stop_playback(playback_id)
                return []
            case act.StartTimer(name=name, seconds=seconds):
                self._start_timer(name, seconds)
                return []
            case act.CancelTimer(name=name):
                timer = self._timers.pop(name, None)
                if timer is not None:
                    timer.cancel()
                return []
            case act.Record():
                task = asyncio.create_task(self._record(action))
                self._records.add(task)
                task.add_done_callback(self._records.discard)
                return []
            case act.NumberChosen(number=number, source=source):
                await self._number_chosen(number, source)
                return []
            case act.Note(kind=kind, detail=detail):
                self._note(kind, detail)
                return []
            case act.DeclineTransfer():
                await self._decline_transfer()
                return []
            case act.HangUp():
                await self._hang_up()
                return []
            case act.Finish(outcome=outcome):
                await self._wait_records()
                await self._finish(outcome)
                return []
        raise AssertionError(f"unknown action {action!r}")

    # -- actions ------------------------------------------------------------

    async def _request(
        self, during: str, send: Callable[[], Awaitable[object]]
    ) -> Literal["done", "gone", "failed"]:
        """One REST call for this channel, tried once more when Asterisk failed or kept silent."""
        for attempt in (1, 2):
            try:
                await send()
                return "done"
            except ChannelNotFound:
                return "gone"
            except (ServerError, AriUnavailable) as exc:
                log.warning(f"{during}_failed", error=str(exc), attempt=attempt)
                error: AriError = exc
                if attempt == 1:
                    await self._ctx.clock.sleep(RETRY_DELAY_S)
            except AriError as exc:
                log.warning(f"{during}_failed", error=str(exc))
                error = exc
                break
        self._evidence(CallEventKind.ERROR, {"during": during, "error": str(error)})
        return "failed"

    async def _answer(self) -> list[ev.Event]:
        match await self._request("answer", lambda: self._ctx.ari.answer(self.channel_id)):
            case "done":
                return [ev.Answered()]
            case "gone":
                return [ev.HungUp()]
        return [ev.Failed("answer")]

    def _media(self, prompt: str) -> str:
        return f"{self._ctx.settings.sound_prefix}/{self._lang}/{prompt}"

    def _prompt_name(self, media: str) -> str:
        prefix = f"{self._ctx.settings.sound_prefix}/{self._lang}/"
        return media.removeprefix(prefix)

    async def _play(self, play_id: int, prompts: tuple[str, ...]) -> list[ev.Event]:
        playback_id = f"{self.call_id}.{self._generation}.{play_id}"
        self._playbacks[playback_id] = _Playback(play_id, prompts)
        self._current_playback = playback_id
        media = [self._media(prompt) for prompt in prompts]
        match await self._request(
            "play", lambda: self._ctx.ari.play(self.channel_id, media, playback_id)
        ):
            case "done":
                return []
            case "gone":
                return [ev.HungUp()]
        self._playbacks.pop(playback_id, None)
        self._current_playback = None
        self._evidence(CallEventKind.PROMPT_FAILED, {"prompts": list(prompts)})
        return [ev.PromptFailed(play_id)]

    async def _stop_playback(self, playback_id: str) -> None:
        playback = self._playbacks.get(playback_id)
        if playback is None or playback.stopped:
            return
        playback.stopped = True
        try:
            await self._ctx.ari.stop_playback(playback_id)
        except (PlaybackNotFound, ChannelNotFound):
            pass  # the prompt ended first, or the caller is gone: the barge-in race
        except AriError as exc:
            log.warning("stop_playback_failed", error=str(exc))

    def _start_timer(self, name: str, seconds: float) -> None:
        old = self._timers.pop(name, None)
        if old is not None:
            old.cancel()
        self._timers[name] = self._ctx.clock.call_later(
            seconds, self._inbox.put_nowait, ev.TimedOut(name)
        )

    def _cancel_timers(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()

    async def _record(self, action: act.Record) -> None:
        request = OptOutRequest(
            number=action.number,
            advertiser=self._advertiser,
            kind=action.kind,
            source=OptOutSource.IVR,
            created_by="ivr",
            scope=action.scope,
            charities=action.charities,
            agent=self._stasis.agent,
            call_id=self.call_id,
        )
        try:
            row = await self._ctx.store.record_optout(request)
        except Exception as exc:
            log.error("optout_not_recorded", kind=action.kind.value, error=str(exc))
            self._ctx.metrics.store_errors.inc()
            self._evidence(CallEventKind.ERROR, {"during": "record", "kind": action.kind.value})
            self.deliver(ev.RecordFailed(action.request_id))
            return
        log.info("optout_recorded", kind=row.kind.value, optout_id=row.id, number=row.number)
        self._ctx.metrics.optouts.labels(kind=row.kind.value, source=row.source.value).inc()
        self._evidence(
            CallEventKind.RECORD,
            {"optout_id": row.id, "kind": row.kind.value, "scope": _scope_text(row.scope)},
        )
        self.deliver(ev.Recorded(action.request_id))

    async def _wait_records(self) -> None:
        if self._records:
            await asyncio.gather(*self._records, return_exceptions=True)

    async def _number_chosen(self, number: str, source: NumberSource) -> None:
        self._number = number
        try:
            await self._ctx.store.set_call_number(self.call_id, number, source)
        except Exception as exc:
            log.error("call_number_not_stored", error=str(exc))

    def _note(self, kind: str, detail: dict[str, str]) -> None:
        if kind == CallEventKind.TIMEOUT.value:
            self._evidence(CallEventKind.TIMEOUT, dict(detail))
        else:
            self._evidence(CallEventKind.DIGIT, {"note": kind, **detail})

    async def _decline_transfer(self) -> None:
        try:
            await self._ctx.ari.transfer_progress(self.channel_id, "channel_declined")
        except AriError as exc:
            log.warning("transfer_decline_failed", error=str(exc))

    async def _hang_up(self) -> None:
        if self._hangup_requested or self._left_app:
            return
        self._app_hung_up = True
        try:
            await self._ctx.ari.hangup(self.channel_id, reason="normal")
        except ChannelNotFound:
            pass
        except AriError as exc:
            log.warning("hangup_failed", error=str(exc))
        self._evidence(CallEventKind.HANGUP, {"by": "app"})

    async def _finish(self, outcome: Outcome) -> None:
        if self.finished:
            return
        if outcome is Outcome.CALLER_HUNG_UP and self._left_app and not self._hangup_requested:
            outcome = Outcome.LOST
        self.outcome = outcome
        self._cancel_timers()
        try:
            await self._ctx.store.end_call(self.call_id, outcome, self._ctx.clock.now())
        except Exception as exc:
            log.error("call_end_not_stored", error=str(exc))
        self._ctx.metrics.calls.labels(outcome=outcome.value).inc()
        log.info("call_ended", outcome=outcome.value)

    async def _fail_hard(self) -> None:
        """Last resort after a bug: hang up and mark the call as an error."""
        if self.finished:
            return
        if not self._hangup_requested and not self._left_app:
            with contextlib.suppress(AriError):
                await self._ctx.ari.hangup(self.channel_id, reason="normal")
        await self._finish(Outcome.ERROR)

    # -- ARI events -----------------------------------------------------------

    def _translate(self, item: AriEvent | ev.Event) -> list[ev.Event]:
        if not isinstance(item, AriEventBase | UnknownEvent | MalformedEvent):
            return [item]
        match item:
            case ChannelDtmfReceived(digit=digit):
                self._evidence(CallEventKind.DIGIT, {"digit": digit})
                return [ev.Digit(digit)]
            case PlaybackStarted(playback=playback):
                tracked = self._playbacks.get(playback.id)
                if tracked is not None:
                    tracked.media = playback.media_uri
                    tracked.media_started_at = self._ctx.clock.monotonic()
                    self._evidence(CallEventKind.PROMPT_STARTED, self._prompt_detail(tracked))
                return []
            case PlaybackContinuing(playback=playback):
                tracked = self._playbacks.get(playback.id)
                if tracked is not None:
                    self._evidence(CallEventKind.PROMPT_FINISHED, self._prompt_detail(tracked))
                return []
            case PlaybackFinished(playback=playback):
                return self._playback_finished(playback.id, playback.state)
            case ChannelHangupRequest():
                self._hangup_requested = True
                if not self._app_hung_up:
                    self._evidence(CallEventKind.HANGUP, {"by": "caller"})
                return [ev.HungUp()]
            case StasisEnd():
                self._left_app = True
                return [ev.HungUp()]
            case ChannelTransfer():
                return self._transfer_requested(item)
            case BridgeBlindTransfer():
                destination = item.exten
                self._ctx.metrics.transfer_attempts.labels(kind="blind").inc()
                self._evidence(
                    CallEventKind.TRANSFER_ATTEMPT,
                    {"destination": destination, "mode": "core", "result": item.result},
                )
                log.info(
                    "transfer_refused_by_asterisk", destination=destination, result=item.result
                )
                return [ev.TransferRequested(destination, declinable=False)]
        return []

    def _transfer_requested(self, event: ChannelTransfer) -> list[ev.Event]:
        destination = event.destination or ""
        if event.state is not None:
            log.info("transfer_echo", destination=destination, state=event.state)
            return []
        self._ctx.metrics.transfer_attempts.labels(kind="ari_only").inc()
        self._evidence(
            CallEventKind.TRANSFER_ATTEMPT,
            {"destination": destination, "mode": "ari-only", "result": "channel_declined"},
        )
        log.info("transfer_declined", destination=destination)
        return [ev.TransferRequested(destination, declinable=True)]

    def _playback_finished(self, playback_id: str, state: str | None) -> list[ev.Event]:
        tracked = self._playbacks.pop(playback_id, None)
        if tracked is None:
            return []
        if self._current_playback == playback_id:
            self._current_playback = None
        detail = self._prompt_detail(tracked)
        if tracked.stopped:
            self._evidence(CallEventKind.PROMPT_INTERRUPTED, detail)
            return [ev.PromptFinished(tracked.play_id)]
        if state == "failed":
            self._evidence(CallEventKind.PROMPT_FAILED, detail)
            return [ev.PromptFailed(tracked.play_id)]
        self._evidence(CallEventKind.PROMPT_FINISHED, detail)
        return [ev.PromptFinished(tracked.play_id)]

    def _prompt_detail(self, playback: _Playback) -> dict[str, Any]:
        offset = self._ctx.clock.monotonic() - playback.media_started_at
        return {
            "prompt": self._prompt_name(playback.media) if playback.media else playback.prompts[0],
            "play": playback.play_id,
            "offset_ms": round(max(0.0, offset) * 1000),
        }

    def _evidence(self, kind: CallEventKind, detail: dict[str, Any]) -> None:
        try:
            self._ctx.store.add_event_nowait(self.call_id, kind, detail, self._ctx.clock.now())
        except Exception as exc:
            log.error("evidence_not_stored", kind=kind.value, error=str(exc))


def _scope_text(scope: str | tuple[str, ...] | None) -> str:
    if scope is None:
        return ""
    return scope if isinstance(scope, str) else "|".join(scope)
