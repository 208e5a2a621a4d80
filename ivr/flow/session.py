"""One call in the IVR: the executor of the machine's actions.

The session owns no decisions. ARI events go through the pure translator
(:mod:`ivr.flow.translate`) into the pure machine (:mod:`ivr.flow.machine`); the
session carries out each action it returns with one REST call or one store write
(the retry policy lives in :meth:`CallSession._request`), and feeds the results
back as machine events. Events of one channel are handled strictly in order
through the session's inbox. When the machine finishes, the call is sealed with
the rights verdict computed from its stored evidence rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import structlog

from ivr import __version__
from ivr.ari.errors import AriError, AriUnavailable, ChannelNotFound, PlaybackNotFound, ServerError
from ivr.ari.events import (
    AriEvent,
    AriEventBase,
    ChannelHangupRequest,
    ChannelTransfer,
    MalformedEvent,
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
from ivr.flow.profile import Profile, profile_file_hash
from ivr.flow.prompt_facts import PromptFacts
from ivr.flow.refusal import find_refusal
from ivr.flow.stasis_args import StasisArgs
from ivr.flow.translate import Known, forget, playing, translate
from ivr.flow.verdict import rights_verdict
from ivr.metrics import Metrics
from ivr.prompts.lang import resolve_prompt_language, spoken_languages, why_not_language
from ivr.prompts.names import FALLBACK_LANGUAGE
from ivr.regimes import Regimes
from ivr.rules.numbers import normalize
from ivr.store import Store
from ivr.store.ids import TimeOrderedIds
from ivr.store.records import CallEventRecord

log = structlog.get_logger(__name__)
_CALL_IDS = TimeOrderedIds()
"""Call ids are time-ordered: the calls of one moment sit together in the indexes keyed by call
id (``call_events``, ``optouts``), so a batch of their rows dirties few pages."""

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
    facts: PromptFacts
    regimes: Regimes
    """Which profile an advertiser's call runs under (``[advertisers.<id>] profile``)."""
    asterisk_id: str | None = None
    """This box (``IVR_ASTERISK_ID``, else Asterisk's entity id), set at the first connection."""

    def profile_for(self, advertiser: str, at: datetime) -> Profile:
        """The profile of a call of ``advertiser`` starting at ``at`` (else the service's)."""
        try:
            return self.regimes.profile_for(advertiser, at)
        except ValueError as exc:
            log.error("call_profile_unresolved", advertiser=advertiser, error=str(exc))
            return self.profile

    def profile_named(self, name: str) -> Profile | None:
        """The profile a stored call names: the service's, else a shipped one (loaded once)."""
        if name == self.profile.name:
            return self.profile
        return self.regimes.profiles.get(name)

    def hash_of(self, profile: Profile) -> str | None:
        """SHA-256 of ``profile``'s shipped file; None for a profile that is no shipped file."""
        try:
            return profile_file_hash(profile.name)
        except OSError:
            return None


@dataclass(frozen=True, slots=True)
class Resumption:
    """A call picked up again after a reconnect: same call id, choices already made."""

    call_id: str
    done: frozenset[OptOutKind]
    number: str | None
    profile: str | None = None
    """The profile the call started under: a resumed call keeps it."""


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
        self.call_id = resumption.call_id if resumption else _CALL_IDS()
        self._generation = uuid.uuid4().hex[:8]
        self._inbox: asyncio.Queue[AriEvent | ev.Event] = asyncio.Queue()
        self._state: MachineState | None = None
        self._known: Known = {}
        """Our playbacks that have not finished yet (by ``playbackId``)."""
        self._timers: dict[str, TimerHandle] = {}
        self._records: set[asyncio.Task[None]] = set()
        self._advertiser = UNKNOWN_ADVERTISER
        self._profile = ctx.profile
        self._lang = "nl"
        self._gone = False
        self._machine_rights: Mapping[str, str] = {}
        self._call_row: Awaitable[None] | None = None
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
            after = await self._start()
            await self._feed(ev.Start())  # answers: the call's row is committed meanwhile
            for event in [*await self._call_row_committed(), *after]:
                await self._feed(event)
            while not self.finished:
                for event in self._events_of(await self._inbox.get()):
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
        for playback_id in list(self._known):
            await self._stop_playback(playback_id)
        await self._wait_records()
        rows = await self._ctx.store.optouts_for_call(self.call_id)
        return frozenset(row.kind for row in rows)

    async def end_as_lost(self) -> None:
        """The channel left while we could not see it (gone after a reconnect)."""
        self._gone = True
        if self._state is None:
            await self._seal(Outcome.LOST)
            return
        await self._feed(ev.LeftApp())
        while not self.finished:
            await self._wait_records()
            item = await self._inbox.get()
            if isinstance(item, ev.Recorded | ev.RecordFailed):
                await self._feed(item)

    async def _start(self) -> list[ev.Event]:
        """Set the call up and queue its row; returns what went wrong already, the events
        that follow ``Start``. Only the refusal check is awaited before the answer: the
        row's commit is not (a burst of hand-offs would wait on one another's fsyncs)."""
        after: list[ev.Event] = []
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
        self._profile = self._resumed_profile() or self._ctx.profile_for(
            self._advertiser, self._ctx.clock.now()
        )
        self._lang = self._prompt_language(stasis.lang or self._profile.default_lang)
        for arg in stasis.ignored:
            log.warning("stasis_arg_ignored", arg=arg)

        raw_caller = self._channel.caller.number if self._channel.caller else None
        region = self._profile.number_region
        arg_number = normalize(stasis.number, region)
        caller_number = normalize(raw_caller, region)
        if self._resumption and self._resumption.number:
            arg_number = self._resumption.number
        number_source = NumberSource.ARG if arg_number else None

        if self._resumption is None:
            call = CallStart(
                id=self.call_id,
                channel_id=self.channel_id,
                asterisk=self._ctx.asterisk_id,
                advertiser=self._advertiser,
                started_at=self._ctx.clock.now(),
                profile=self._profile.name,
                lang=self._lang,
                campaign=stasis.campaign,
                agent=stasis.agent,
                script=stasis.script,
                number=arg_number,
                number_source=number_source,
                extra=dict(stasis.extra),
                caller_number=raw_caller,
                software_version=__version__,
                profile_hash=self._ctx.hash_of(self._profile),
            )
            try:
                self._call_row = self._ctx.store.start_call(call)
            except Exception as exc:
                self._call_row_failed(exc)
                after.append(ev.Failed("store", str(exc)))

        refuse = False
        if not self._shutting_down and self._resumption is None:
            try:
                refusal = await find_refusal(self._ctx.ari, self._channel, settings.refuse_amd)
            except ChannelNotFound:
                after.append(ev.HungUp())
                refusal = None
            except AriError as exc:
                log.warning("refusal_check_failed", error=str(exc))
                refusal = None
            if refusal is not None:
                refuse = True
                log.info("voicemail_refused", reason=refusal.reason, value=refusal.value)
                self._ctx.metrics.refusals.labels(reason=refusal.reason).inc()

        facts = self._ctx.facts
        config = CallConfig(
            advertiser_prompt=self._advertiser_prompt(),
            contact_prompt=self._contact_prompt(),
            number=arg_number,
            caller_number=caller_number,
            answered=self._channel.state == "Up",
            refuse=refuse,
            done=self._resumption.done if self._resumption else frozenset(),
            shutting_down=self._shutting_down,
            marks=facts.marks(self._lang),
            fingerprints=facts.fingerprints(self._lang),
        )
        self._state = initial_state(self._profile, config)
        log.info(
            "call_started" if self._resumption is None else "call_resumed",
            advertiser=self._advertiser,
            number=arg_number or caller_number,
            campaign=stasis.campaign,
        )
        return after

    async def _call_row_committed(self) -> list[ev.Event]:
        """Wait for the call's row queued by :meth:`_start`; ``Failed`` when it was not stored."""
        if self._call_row is None:
            return []
        try:
            await self._call_row
        except Exception as exc:
            self._call_row_failed(exc)
            return [ev.Failed("store", str(exc))]
        finally:
            self._call_row = None
        return []

    def _call_row_failed(self, exc: Exception) -> None:
        log.error("call_record_failed", error=str(exc))
        self._ctx.metrics.store_errors.inc()

    def _resumed_profile(self) -> Profile | None:
        """A call picked up again keeps the profile it started under."""
        if self._resumption is None or self._resumption.profile is None:
            return None
        return self._ctx.profile_named(self._resumption.profile)

    def _advertiser_prompt(self) -> str | None:
        """The advertiser's name prompt in the call's language (else the generic wording)."""
        known = self._ctx.settings.advertisers.get(self._advertiser)
        if known is None:
            return None
        return known.name_prompt_en if self._lang == "en" else known.name_prompt

    def _contact_prompt(self) -> str | None:
        """The advertiser's contact details; none in English, whose ``cannot-register`` says
        where to object (docs/design.md §14.15, §14.16)."""
        known = self._ctx.settings.advertisers.get(self._advertiser)
        if known is None or self._lang == "en":
            return None
        return known.contact_prompt

    def _prompt_language(self, lang: str) -> str:
        """The call's language when its prompts exist (checked when they are local), else nl."""
        prompts = Path(self._ctx.settings.prompts_dir)
        if prompts.is_dir():
            return resolve_prompt_language(prompts, lang, spoken_languages(prompts, self._profile))
        if why_not_language(prompts, lang) == "invalid":
            log.warning("prompt_language_invalid", lang=lang, fallback=FALLBACK_LANGUAGE)
            return FALLBACK_LANGUAGE
        return lang

    # -- the machine --------------------------------------------------------

    def _events_of(self, item: AriEvent | ev.Event) -> list[ev.Event]:
        if not isinstance(item, AriEventBase | UnknownEvent | MalformedEvent):
            return [item]
        if isinstance(item, ChannelHangupRequest):
            self._gone = True
        elif isinstance(item, ChannelTransfer) and item.state is not None:
            log.info("transfer_echo", destination=item.destination, state=item.state)
        self._known, events = translate(self._known, item)
        if any(isinstance(event, ev.LeftApp) for event in events):
            self._gone = True
        return events

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
                await self._stop_playback(self._playback_id(play_id))
            case act.StartTimer(name=name, seconds=seconds):
                self._start_timer(name, seconds)
            case act.CancelTimer(name=name):
                timer = self._timers.pop(name, None)
                if timer is not None:
                    timer.cancel()
            case act.Record():
                task = asyncio.create_task(self._record(action))
                self._records.add(task)
                task.add_done_callback(self._records.discard)
            case act.NumberChosen(number=number, source=source):
                self._number_chosen(number, source)
            case act.Evidence(kind=kind, detail=detail):
                self._evidence(kind, detail)
            case act.ReportPromptFailure(prompt=prompt):
                log.warning("prompt_failed", prompt=prompt, media=self._media(prompt))
                self._ctx.metrics.prompt_failures.labels(prompt=prompt).inc()
            case act.DeclineTransfer():
                await self._decline_transfer()
            case act.HangUp():
                await self._hang_up()
            case act.Finish(outcome=outcome):
                await self._wait_records()
                await self._seal(outcome)
            case _:
                raise AssertionError(f"unknown action {action!r}")
        return []

    # -- actions ------------------------------------------------------------

    async def _request(
        self, during: str, send: Callable[[], Awaitable[object]]
    ) -> tuple[Literal["done", "gone", "failed"], str]:
        """One REST call for this channel, tried once more when Asterisk failed or kept silent."""
        error = ""
        for attempt in (1, 2):
            try:
                await send()
                return "done", ""
            except ChannelNotFound:
                return "gone", ""
            except (ServerError, AriUnavailable) as exc:
                log.warning("ari_request_failed", during=during, error=str(exc), attempt=attempt)
                error = str(exc)
                if attempt == 1:
                    await self._ctx.clock.sleep(RETRY_DELAY_S)
            except AriError as exc:
                log.warning("ari_request_failed", during=during, error=str(exc))
                error = str(exc)
                break
        return "failed", error

    async def _answer(self) -> list[ev.Event]:
        match await self._request("answer", lambda: self._ctx.ari.answer(self.channel_id)):
            case ("done", _):
                return [ev.Answered()]
            case ("gone", _):
                self._gone = True
                return [ev.HungUp()]
            case (_, error):
                return [ev.Failed("answer", error)]

    def _media(self, prompt: str) -> str:
        return f"{self._ctx.settings.sound_prefix}/{self._lang}/{prompt}"

    def _playback_id(self, play_id: int) -> str:
        return f"{self.call_id}.{self._generation}.{play_id}"

    async def _play(self, play_id: int, prompts: tuple[str, ...]) -> list[ev.Event]:
        playback_id = self._playback_id(play_id)
        media = tuple(self._media(prompt) for prompt in prompts)
        self._known = playing(self._known, playback_id, play_id, media)
        match await self._request(
            "play", lambda: self._ctx.ari.play(self.channel_id, list(media), playback_id)
        ):
            case ("done", _):
                return []
            case ("gone", _):
                self._gone = True
                return [ev.HungUp()]
            case (_, error):
                self._known = forget(self._known, playback_id)
                return [ev.PromptFailed(play_id, error=error or "play failed")]

    async def _stop_playback(self, playback_id: str) -> None:
        if playback_id not in self._known or self._gone:
            return
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
            self.deliver(ev.RecordFailed(action.request_id, str(exc)))
            return
        log.info("optout_recorded", kind=row.kind.value, optout_id=row.id, number=row.number)
        self._ctx.metrics.optouts.labels(kind=row.kind.value, source=row.source.value).inc()
        self.deliver(ev.Recorded(action.request_id, row.id))

    async def _wait_records(self) -> None:
        if self._records:
            await asyncio.gather(*self._records, return_exceptions=True)

    def _number_chosen(self, number: str, source: NumberSource) -> None:
        try:  # rides the opt-out's commit that follows (or the evidence flush)
            self._ctx.store.set_call_number_nowait(self.call_id, number, source)
        except Exception as exc:
            log.error("call_number_not_stored", error=str(exc))

    async def _decline_transfer(self) -> None:
        try:
            await self._ctx.ari.transfer_progress(self.channel_id, "channel_declined")
        except AriError as exc:
            log.warning("transfer_decline_failed", error=str(exc))

    async def _hang_up(self) -> None:
        if self._gone:
            return
        self._gone = True
        try:
            await self._ctx.ari.hangup(self.channel_id, reason="normal")
        except ChannelNotFound:
            pass
        except AriError as exc:
            log.warning("hangup_failed", error=str(exc))

    async def _seal(self, outcome: Outcome) -> None:
        if self.finished:
            return
        self.outcome = outcome
        self._cancel_timers()
        oracle = self._machine_rights if self._resumption is None else None
        rights = await seal(
            self._ctx, self.call_id, outcome, self._lang, oracle=oracle, profile=self._profile.name
        )
        log.info("call_ended", outcome=outcome.value, rights=rights)

    async def _fail_hard(self) -> None:
        """Last resort after a bug: hang up and mark the call as an error."""
        if self.finished:
            return
        if not self._gone:
            with contextlib.suppress(AriError):
                await self._ctx.ari.hangup(self.channel_id, reason="normal")
        await self._seal(Outcome.ERROR)

    def _evidence(self, kind: CallEventKind, detail: Mapping[str, Any]) -> None:
        if kind is CallEventKind.RIGHTS:
            self._machine_rights = detail  # the seal writes the stored verdict's row
            return
        if kind is CallEventKind.TRANSFER_ATTEMPT:
            mode = "blind" if detail.get("mode") == "core" else "ari_only"
            self._ctx.metrics.transfer_attempts.labels(kind=mode).inc()
            log.info("transfer_attempt", **detail)
        try:
            self._ctx.store.add_event_nowait(
                self.call_id, kind, dict(detail), self._ctx.clock.now()
            )
        except Exception as exc:
            log.error("evidence_not_stored", kind=kind.value, error=str(exc))


async def seal(
    ctx: SessionContext,
    call_id: str,
    outcome: Outcome,
    lang: str,
    *,
    oracle: Mapping[str, str] | None = None,
    evidence_complete: bool = True,
    profile: str | None = None,
) -> dict[str, str]:
    """End a call: the rights verdict from its stored evidence rows, then the seal.

    ``oracle`` is the machine's own verdict (one session served the whole call):
    a difference is logged as a bug.
    """
    store = ctx.store

    def judge(rows: Sequence[CallEventRecord]) -> dict[str, str]:
        rights = verdict_of(ctx, profile or ctx.profile.name, lang, rows)
        if oracle is not None and dict(oracle) != rights:
            log.error("rights_verdict_mismatch", stored=rights, machine=dict(oracle))
        return rights

    try:  # the verdict over the rows the seal's own transaction reads: one commit
        rights, _ = await store.seal_with_verdict(
            call_id, outcome=outcome, verdict=judge, evidence_complete=evidence_complete
        )
    except Exception as exc:
        log.error("call_seal_failed", error=str(exc))
        ctx.metrics.store_errors.inc()
        rights = judge(await store.call_events(call_id))
    ctx.metrics.calls.labels(outcome=outcome.value).inc()
    for right, verdict in rights.items():
        ctx.metrics.rights.labels(right=right, verdict=verdict).inc()
    return rights


def verdict_of(
    ctx: SessionContext, profile_name: str, lang: str, rows: Sequence[CallEventRecord]
) -> dict[str, str]:
    """The stored verdict of a call under ``profile_name``: a pure function of its rows."""
    profile = ctx.profile_named(profile_name)
    if profile is None:
        log.warning("call_profile_unknown", profile=profile_name)
        profile = ctx.profile
    return rights_verdict(
        [(row.kind.value, row.detail) for row in rows],
        profile.offered_rights,
        profile.statement_prompts,
        ctx.facts.marks(lang),
    )
