"""The simulated Asterisk core: channels, Stasis membership, hang-ups, variables, keys.

Everything here is synchronous and driven by the shared :class:`~ivr.clock.Clock`:
REST handlers and timers call in, events go out through the :class:`EventBus`.
Playbacks, transfers and the built-in dialplan live in their own modules and work
on this core.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import structlog

from ivr.clock import Clock, TimerHandle
from ivr.simulator import events
from ivr.simulator.bus import EventBus
from ivr.simulator.dialplan import start_behaviour
from ivr.simulator.events import Event
from ivr.simulator.playback import Playbacks
from ivr.simulator.sounds import SoundLibrary
from ivr.simulator.state import App, Channel, Dialplan, Party, TransferHandling
from ivr.simulator.transfers import Transfers
from ivr.simulator.wire import AriError, asterisk_time, channel_not_found, not_in_stasis

log = structlog.get_logger()

APP_HANGUP_CAUSE = 32  # AST_SOFTHANGUP_EXPLICIT, what ChannelHangupRequest reports for DELETE
NORMAL_CLEARING = 16

CAUSE_TEXT = {
    0: "Unknown",
    1: "Unallocated (unassigned) number",
    16: "Normal Clearing",
    17: "User busy",
    18: "No user responding",
    19: "User alerting, no answer",
    21: "Call Rejected",
    26: "Answered elsewhere",
    28: "Invalid number format (addr incomplete)",
    31: "Normal, unspecified",
    34: "Circuit/channel congestion",
    38: "Network out of order",
    58: "Bearer capability not available",
    127: "Interworking, unspecified",
}

RTP_QOS = (
    (
        "RTPAUDIOQOS",
        "ssrc=116340869;themssrc=305441741;lp=0;rxjitter=0.000000;rxcount=151;"
        "txjitter=0.000000;txcount=71;rlp=0;rtt=0.000000;rxmes=0.000000;txmes=88.087887",
    ),
    (
        "RTPAUDIOQOSJITTER",
        "minrxjitter=000.000000;maxrxjitter=000.000000;avgrxjitter=000.000000;"
        "stdevrxjitter=000.000000;mintxjitter=000.000000;maxtxjitter=000.000000;"
        "avgtxjitter=000.000000;stdevtxjitter=000.000000;",
    ),
    (
        "RTPAUDIOQOSLOSS",
        "  minrxlost=000.000000;  maxrxlost=000.000000;  avgrxlost=000.000000;"
        "  stdevrxlost=000.000000;  mintxlost=000.000000;  maxtxlost=000.000000;"
        "  avgtxlost=000.000000;  stdevtxlost=000.000000;",
    ),
    (
        "RTPAUDIOQOSRTT",
        "     minrtt=000.000000;     maxrtt=000.000000;     avgrtt=000.000000;"
        "     stdevrtt=000.000000;",
    ),
    (
        "RTPAUDIOQOSMES",
        "   minrxmes=088.087887;   maxrxmes=088.087887;   avgrxmes=088.087887;"
        "   stdevrxmes=000.000000;   mintxmes=000.000000;   maxtxmes=000.000000;"
        "   avgtxmes=000.000000;   stdevtxmes=000.000000;",
    ),
)


class Asterisk:
    def __init__(
        self,
        clock: Clock,
        sounds: SoundLibrary,
        bus: EventBus,
        *,
        speed: float = 1.0,
        channelvars: tuple[str, ...] = (),
        queue_agents: int = 0,
    ) -> None:
        """``queue_agents``: agents logged in to the fall-back queue (who never answer)."""
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.clock = clock
        self.sounds = sounds
        self.bus = bus
        self.speed = speed
        self.channelvars = channelvars
        self.queue_agents = queue_agents
        self.channels: dict[str, Channel] = {}
        self.history: dict[str, Channel] = {}
        self.apps: dict[str, App] = {}
        self.globals: dict[str, str] = {}
        self.playbacks = Playbacks(self)
        self.transfers = Transfers(self)
        self.media_started: list[Callable[[Channel, str], None]] = []
        self.on_crash: list[Callable[[], None]] = []
        self.on_idle: list[Callable[[], None]] = []
        """Called when the last live channel is gone."""
        self._counter = itertools.count()
        self._tech_counters: dict[str, itertools.count[int]] = {}
        self.started = clock.now()
        self._started_at = clock.monotonic()
        bus.on_register.append(self._app_registered)
        bus.on_unregister.append(self._app_unregistered)
        bus.allows = self._app_allows

    # -- time and ids --------------------------------------------------------------

    def now(self) -> float:
        return self.clock.monotonic()

    def ts(self) -> str:
        """Asterisk's time of an event: under ``speed`` S it runs S times faster, as the
        caller's keys and the media do, so the times the service reads from events
        (a key's moment, a medium's start, the marks measured against them) stay those
        of the recordings."""
        if self.speed == 1:
            return asterisk_time(self.clock.now())
        ran = (self.clock.monotonic() - self._started_at) * self.speed
        return asterisk_time(self.started + timedelta(seconds=ran))

    def wall(self) -> datetime:
        return self.clock.now()

    def new_id(self) -> str:
        """``1795828985.3``: the creation second and a counter, like Asterisk's uniqueid."""
        return f"{int(self.clock.now().timestamp())}.{next(self._counter)}"

    def tech_serial(self, tech: str) -> int:
        counter = self._tech_counters.setdefault(tech, itertools.count(1))
        return next(counter)

    def later(
        self, channel: Channel, delay: float, callback: Callable[..., object], *args: Any
    ) -> TimerHandle:
        """A timer owned by ``channel``: cancelled when the channel goes away."""
        holder: list[TimerHandle] = []

        def fire() -> None:
            channel.timers.discard(holder[0])
            if not channel.gone:
                callback(*args)

        handle = self.clock.call_later(max(0.0, delay), fire)
        holder.append(handle)
        channel.timers.add(handle)
        return handle

    def scaled(self, seconds: float) -> float:
        """Caller-side and media time run ``speed`` times faster than the clock."""
        return seconds / self.speed

    # -- channels ------------------------------------------------------------------

    def create_channel(
        self,
        *,
        name: str,
        tech: str,
        state: str,
        caller: Party,
        connected: Party,
        dialplan: Dialplan,
        channel_id: str | None = None,
        protocol_id: str = "",
    ) -> Channel:
        channel = Channel(
            id=channel_id or self.new_id(),
            name=name,
            tech=tech,
            state=state,
            caller=caller,
            connected=connected,
            dialplan=dialplan,
            creationtime=self.ts(),
            created_at=self.now(),
            protocol_id=protocol_id,
            channelvars=self.channelvars,
        )
        self.channels[channel.id] = channel
        self.history[channel.id] = channel
        return channel

    def find(self, channel_id: str) -> Channel:
        channel = self.channels.get(channel_id)
        if channel is None:
            raise channel_not_found()
        return channel

    def control(self, channel_id: str) -> Channel:
        """A channel the app may command: 404 if unknown, 409 if not in Stasis."""
        channel = self.find(channel_id)
        if channel.stasis_app is None:
            raise not_in_stasis()
        return channel

    @staticmethod
    def require_callable_state(channel: Channel) -> None:
        if channel.state in ("Down", "Rsrvd", "Ringing"):
            raise AriError(412, "Channel in invalid state", reason="Precondition Failed")

    def emit(self, event: Event, channel: Channel) -> None:
        listeners = channel.listeners()
        if listeners:
            self.bus.emit(event, listeners)

    def note(self, channel: Channel, kind: str, **fields: Any) -> dict[str, Any]:
        entry: dict[str, Any] = {"t_ms": channel.elapsed_ms(self.now()), "kind": kind, **fields}
        channel.transcript.append(entry)
        return entry

    def set_state(self, channel: Channel, state: str) -> None:
        if channel.state == state:
            return
        channel.state = state
        channel.touch()
        self.emit(events.channel_event("ChannelStateChange", self.ts(), channel), channel)

    def set_dialplan(self, channel: Channel, dialplan: Dialplan) -> None:
        channel.dialplan = dialplan
        channel.touch()

    # -- Stasis --------------------------------------------------------------------

    def enter_stasis(self, channel: Channel, app: str, args: list[str]) -> bool:
        """Run ``Stasis(app, args…)``; False (STASISSTATUS=FAILED) if no client has the app."""
        if not self.bus.is_connected(app):
            channel.variables["STASISSTATUS"] = "FAILED"
            channel.touch()
            return False
        channel.stasis_dialplan = channel.dialplan
        data = ",".join([app, *args])
        self.set_dialplan(
            channel,
            Dialplan(
                channel.dialplan.context,
                channel.dialplan.exten,
                channel.dialplan.priority,
                "Stasis",
                data,
            ),
        )
        if channel.subscribers:
            self.set_variable(channel, "STASISSTATUS", "")
        channel.stasis_app = app
        channel.stasis_args = list(args)
        self.apps.setdefault(app, App(app)).channel_ids[channel.id] = None
        self.emit(events.stasis_start(self.ts(), channel, args), channel)
        return True

    def leave_stasis(self, channel: Channel) -> None:
        app = channel.stasis_app
        if app is None:
            return
        self.emit(events.channel_event("StasisEnd", self.ts(), channel), channel)
        channel.stasis_app = None
        if app not in channel.subscribers and app in self.apps:
            self.apps[app].channel_ids.pop(channel.id, None)
            self._forget_idle_app(app)
        self.set_variable(channel, "STASISSTATUS", "SUCCESS")

    # -- answer and hang-up --------------------------------------------------------

    def answer(self, channel: Channel) -> None:
        if channel.state == "Up":
            return
        self.set_state(channel, "Up")
        peer = channel.peer
        if peer is not None and not peer.gone:
            peer.state = "Up"
            peer.touch()
            start_behaviour(self, peer, channel)

    def hangup_by_app(self, channel: Channel, cause: int) -> None:
        if channel.gone:
            return
        if channel.tech == "PJSIP" and channel.state == "Up":
            self._rtp_report(channel)
        self.emit(events.hangup_request(self.ts(), channel, APP_HANGUP_CAUSE, True), channel)
        self._tear_down(channel, by="app", cause=cause)

    def hangup_by_caller(self, channel: Channel) -> None:
        """The far side hung up: a BYE from a phone, or the ``;1`` half of a Local call."""
        if channel.gone:
            return
        in_voicemail = channel.dialplan.app_name == "VoiceMail"
        if in_voicemail:
            self._voicemail_left(channel)
        if channel.tech == "PJSIP":
            if channel.state == "Up":
                self._rtp_report(channel)
            event = events.hangup_request(self.ts(), channel, None, False)
        elif channel.stasis_app is None:
            event = events.hangup_request(self.ts(), channel, NORMAL_CLEARING, True)
        else:
            event = events.hangup_request(self.ts(), channel, NORMAL_CLEARING, False)
        self.emit(event, channel)
        self._tear_down(channel, by="caller", cause=0 if in_voicemail else NORMAL_CLEARING)

    def _voicemail_left(self, channel: Channel) -> None:
        """VoiceMail() recorded until the caller hung up; then the dialplan app ends."""
        mailbox = channel.dialplan.exten
        path = f"/var/spool/asterisk/voicemail/default/{mailbox}/INBOX/msg0000"
        self.set_variable(channel, "VM_MESSAGEFILE", path)
        self.set_variable(channel, "VMSTATUS", "SUCCESS")
        self.note(channel, "voicemail", mailbox=mailbox)
        self.set_dialplan(channel, Dialplan(channel.dialplan.context, mailbox, 2))

    def _tear_down(self, channel: Channel, *, by: str, cause: int) -> None:
        self.note(channel, "hangup", by=by)
        self.playbacks.channel_gone(channel)
        self.transfers.channel_gone(channel)
        if channel.stasis_app is not None:
            self.leave_stasis(channel)
            if channel.stasis_dialplan is not None and channel.originated:
                self.set_dialplan(channel, channel.stasis_dialplan)
        peer = channel.peer
        if peer is not None and not peer.gone and peer.listeners():
            self.emit(events.hangup_request(self.ts(), peer, NORMAL_CLEARING, False), peer)
        self.destroy(channel, cause)
        if peer is not None and not peer.gone:
            if peer.stasis_app is not None:
                self.hangup_by_caller(peer)
            else:
                if peer.listeners():
                    event = events.hangup_request(self.ts(), peer, NORMAL_CLEARING, True)
                    self.emit(event, peer)
                self.set_dialplan(
                    peer,
                    Dialplan(peer.dialplan.context, peer.dialplan.exten, peer.dialplan.priority),
                )
                self.destroy(peer, NORMAL_CLEARING)

    def destroy(self, channel: Channel, cause: int) -> None:
        if channel.gone:
            return
        channel.gone = True
        for timer in list(channel.timers):
            timer.cancel()
        channel.timers.clear()
        if channel.subscribers:
            text = CAUSE_TEXT.get(cause, "Unknown")
            self.emit(events.destroyed(self.ts(), channel, cause, text), channel)
        for app in channel.subscribers | ({channel.stasis_app} if channel.stasis_app else set()):
            known = self.apps.get(app)
            if known is not None:
                known.channel_ids.pop(channel.id, None)
                self._forget_idle_app(app)
        self.channels.pop(channel.id, None)
        if not self.channels:
            for callback in self.on_idle:
                callback()

    def _rtp_report(self, channel: Channel) -> None:
        for name, value in RTP_QOS:
            self.set_variable(channel, name, value)

    # -- variables -----------------------------------------------------------------

    def set_variable(self, channel: Channel, name: str, value: str | None) -> None:
        if value is None:
            channel.variables.pop(name, None)
        else:
            channel.variables[name] = value
        if name in channel.channelvars:
            channel.touch()
        self.emit(events.varset(self.ts(), channel, name, value or ""), channel)

    def set_transfer_handling(self, channel: Channel, value: str) -> None:
        mode = value.strip().lower()
        channel.transfer_handling = (
            TransferHandling.ARI_ONLY if mode == "ari-only" else TransferHandling.CORE
        )

    # -- keys from the caller ------------------------------------------------------

    def press(
        self,
        channel: Channel,
        digits: str,
        *,
        duration_ms: int = 100,
        gap_ms: int = 250,
        delay: float = 0.0,
    ) -> None:
        """Each digit becomes ``ChannelDtmfReceived`` when it ends, as on real Asterisk."""
        step = self.scaled((duration_ms + gap_ms) / 1000)
        length = self.scaled(duration_ms / 1000)
        for index, digit in enumerate(digits):
            if digit not in "0123456789*#ABCD":
                raise ValueError(f"not a DTMF digit: {digit!r}")
            when = delay + index * step + length
            self.later(channel, when, self._digit_ended, channel, digit, duration_ms)

    def _digit_ended(self, channel: Channel, digit: str, duration_ms: int) -> None:
        self.note(channel, "key", digit=digit)
        self.emit(events.dtmf(self.ts(), channel, digit, duration_ms), channel)

    # -- apps ----------------------------------------------------------------------

    def _app_registered(self, app: str) -> None:
        self.apps.setdefault(app, App(app))

    def _app_allows(self, app: str, event: Event) -> bool:
        known = self.apps.get(app)
        return known is None or known.allows(event.get("type"))

    def _app_unregistered(self, app: str) -> None:
        self._forget_idle_app(app)

    def _forget_idle_app(self, app: str) -> None:
        known = self.apps.get(app)
        if known is not None and not known.channel_ids and not self.bus.is_connected(app):
            del self.apps[app]

    # -- restart -------------------------------------------------------------------

    def restart(self) -> None:
        """Every channel gone without a word, every app unregistered: Asterisk restarted."""
        for channel in list(self.channels.values()):
            self.transfers.channel_gone(channel)
            channel.gone = True
            for timer in list(channel.timers):
                timer.cancel()
            channel.timers.clear()
            if channel.playing is not None and channel.playing.transcript_entry is not None:
                channel.playing.transcript_entry["status"] = "interrupted"
            self.note(channel, "hangup", by="restart")
        self.channels.clear()
        self.playbacks.clear()
        self.apps.clear()
        self.globals.clear()
        self.started = self.clock.now()
        for callback in self.on_crash:
            callback()
        log.info("simulator.restart")
