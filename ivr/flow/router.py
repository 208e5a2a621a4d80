"""Hands each channel's events to its own session, strictly in order.

Different channels run concurrently; one channel's events go through one
session's inbox.  After a reconnect the router resynchronises with Asterisk:
a channel still in the app gets a fresh session on the same call (the menu
starts again; what was recorded stays recorded, never twice), a channel in the
app that no call row knows starts as a new call, and a call whose channel is gone
ends as ``lost``.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

import structlog

from ivr.ari.errors import AriError, ChannelNotFound
from ivr.ari.events import AriEvent, StasisEnd, StasisStart
from ivr.ari.models import Channel
from ivr.dialplan.apps import split_args
from ivr.domain import Outcome
from ivr.flow import events as ev
from ivr.flow.session import CallSession, Resumption, SessionContext, seal
from ivr.flow.stasis_args import StasisArgs, parse_stasis_args

log = structlog.get_logger(__name__)

FINAL_GOODBYE_S = 15.0


@dataclass(slots=True)
class _Live:
    session: CallSession
    task: asyncio.Task[Outcome | None]
    stasis: StasisArgs


@dataclass(slots=True)
class CallRouter:
    ctx: SessionContext
    app: str
    _live: dict[str, _Live] = field(default_factory=dict)
    standing_by: bool = False
    """Set when another process holds this Asterisk's lease: every event is left alone."""
    _shutting_down: bool = False
    _idle: asyncio.Event = field(default_factory=asyncio.Event)
    _resync_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def active_calls(self) -> int:
        return len(self._live)

    def is_active(self, channel_id: str) -> bool:
        return channel_id in self._live

    async def on_event(self, event: AriEvent) -> None:
        """Route one event; never raises (one bad event must not hurt other calls)."""
        try:
            self._route(event)
        except Exception:
            log.exception("event_routing_failed", event_type=type(event).__name__)

    def _route(self, event: AriEvent) -> None:
        if self.standing_by:
            return
        if isinstance(event, StasisStart):
            if event.channel.id not in self._live:
                self._start(event.channel, parse_stasis_args(event.args or []))
            return
        channel_id = event.channel_id
        if channel_id is None:
            return
        live = self._live.get(channel_id)
        if live is not None:
            live.session.deliver(event)
        elif not isinstance(event, StasisEnd):
            log.debug("event_for_unknown_channel", event_type=type(event).__name__)

    def _start(
        self, channel: Channel, stasis: StasisArgs, resumption: Resumption | None = None
    ) -> CallSession:
        session = CallSession(
            self.ctx,
            channel,
            stasis,
            resumption=resumption,
            shutting_down=self._shutting_down,
        )
        task = asyncio.create_task(session.run(), name=f"call-{channel.id}")
        self._live[channel.id] = _Live(session, task, stasis)
        self._idle.clear()
        task.add_done_callback(lambda _task: self._ended(session))
        return session

    def _ended(self, session: CallSession) -> None:
        channel_id = session.channel_id
        live = self._live.get(channel_id)
        if live is not None and live.session is session:
            del self._live[channel_id]
        if not self._live:
            self._idle.set()

    async def resync(self) -> None:
        """After (re)connecting: pick up the channels Asterisk still has in our app."""
        async with self._resync_lock:
            try:
                application = await self.ctx.ari.get_application(self.app)
            except AriError as exc:
                log.warning("resync_failed", error=str(exc))
                return
            in_app = set(application.channel_ids)
            for channel_id, live in list(self._live.items()):
                if channel_id not in in_app:
                    await self._cancel(live)
                    await live.session.end_as_lost()
            for call in await self.ctx.store.open_calls(self.ctx.asterisk_id):
                if call.channel_id in self._live:
                    continue
                if call.channel_id in in_app:  # left open by a crash: resumed below
                    await self.ctx.store.mark_incomplete(call.id)
                    continue
                await seal(
                    self.ctx,
                    call.id,
                    Outcome.LOST,
                    call.lang,
                    evidence_complete=False,
                    profile=call.profile,
                )
            for channel_id in sorted(in_app):
                await self._resume(channel_id)

    async def _resume(self, channel_id: str) -> None:
        try:
            channel = await self.ctx.ari.get_channel(channel_id)
        except ChannelNotFound:
            return
        except AriError as exc:
            log.warning("resync_channel_failed", channel_id=channel_id, error=str(exc))
            return
        live = self._live.get(channel_id)
        if live is not None:
            await self._cancel(live)
            call_id, stasis = live.session.call_id, live.stasis
            done = await live.session.abandon()
        else:
            calls = await self.ctx.store.calls_for_channel(channel_id, self.ctx.asterisk_id)
            open_calls = [c for c in calls if c.outcome is None]
            if not calls:
                self._take_on_unrecorded(channel)
                return
            if not open_calls:
                return  # already finished
            call = open_calls[-1]
            call_id = call.id
            stasis = StasisArgs(
                advertiser=call.advertiser,
                campaign=call.campaign,
                agent=call.agent,
                script=call.script,
                lang=call.lang,
            )
            done = frozenset(row.kind for row in await self.ctx.store.optouts_for_call(call_id))
        record = await self.ctx.store.get_call(call_id)
        number = record.number if record is not None else None
        profile = record.profile if record is not None else None
        log.info("call_resynchronised", channel_id=channel_id, call_id=call_id)
        self._start(channel, stasis, Resumption(call_id, done, number, profile))

    def _take_on_unrecorded(self, channel: Channel) -> None:
        """A channel in our app that no call row knows: handed off while the service died
        before its row was written (the answer goes out first). Its ``Stasis()`` arguments
        are still in the channel's dialplan data, so it starts as the new call it is
        instead of waiting in silence until the caller gives up."""
        dialplan = channel.dialplan
        if dialplan is None or dialplan.app_name.lower() != "stasis":
            log.warning("resync_channel_without_call", channel_id=channel.id)
            return
        app, *args = split_args(dialplan.app_data)
        if app != self.app:
            log.warning("resync_channel_without_call", channel_id=channel.id)
            return
        log.info("call_taken_on_after_restart", channel_id=channel.id)
        self._start(channel, parse_stasis_args(args))

    async def _cancel(self, live: _Live) -> None:
        live.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await live.task
        self._live.pop(live.session.channel_id, None)

    def begin_shutdown(self) -> None:
        """New calls from now on hear "cannot register right now" and are hung up."""
        self._shutting_down = True

    async def end_all(self, grace_s: float) -> None:
        """Let calls in progress finish for ``grace_s``, then say goodbye and hang up."""
        self.begin_shutdown()
        if self._live:
            try:
                await self.ctx.clock.wait_for(self._idle.wait(), grace_s)
            except TimeoutError:
                for live in list(self._live.values()):
                    live.session.deliver(ev.GraceExpired())
        tasks = [live.task for live in self._live.values()]
        if tasks:
            try:
                await self.ctx.clock.wait_for(asyncio.gather(*tasks), FINAL_GOODBYE_S)
            except TimeoutError:
                log.warning("calls_cut_off", count=sum(not t.done() for t in tasks))
