"""Transfers the caller's phone asks for (SIP REFER), as ``traces/sip`` shows them.

With ``PJSIP_TRANSFER_HANDLING()=ari-only`` a REFER arrives as ``ChannelTransfer``
without ``state``; every ``transfer_progress`` answer is echoed in another
``ChannelTransfer`` (``channel_unavailable`` echoed as ``channel_declined``) and the
phone gets the matching NOTIFY.  Asterisk never times a pending transfer out.
Without it Asterisk refuses the REFER itself (the phone gets ``400 Bad Request``)
and the app sees ``BridgeBlindTransfer`` with ``result: "Invalid"``.  A REFER with
``Refer-Sub: false`` in ``ari-only`` mode crashed Asterisk 22.10.1; so it does here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ivr.simulator import events
from ivr.simulator.state import Channel, Transfer, TransferHandling
from ivr.simulator.wire import AriError

if TYPE_CHECKING:
    from ivr.simulator.pbx import Asterisk

# states value → (what the phone's NOTIFY says, whether it ends the transfer, the echo)
PROGRESS = {
    "channel_progress": ("100 Trying", False, "channel_progress"),
    "channel_answered": ("200 OK", True, "channel_answered"),
    "channel_declined": ("603 Decline", True, "channel_declined"),
    "channel_unavailable": ("503 Service Unavailable", True, "channel_declined"),
}
REFUSED_BY_CORE = "400 Bad Request"
GAVE_UP = "503 Service Unavailable"


class Transfers:
    def __init__(self, core: Asterisk) -> None:
        self.core = core

    def refer(
        self,
        channel: Channel,
        destination: str,
        *,
        replaces: dict[str, str] | None = None,
        refer_sub: bool = True,
    ) -> None:
        core = self.core
        if channel.gone:
            raise LookupError(f"channel {channel.id} is gone")
        entry = core.note(channel, "transfer", destination=destination, result=None)
        if channel.transfer_handling is TransferHandling.ARI_ONLY:
            if not refer_sub:
                entry["result"] = "crash"
                core.restart()
                return
            channel.transfer = Transfer(destination, replaces, entry)
            event = events.channel_transfer(core.ts(), channel, destination, replaces, None)
            core.emit(event, channel)
            return
        channel.refer_result = REFUSED_BY_CORE
        entry["result"] = REFUSED_BY_CORE
        core.emit(events.blind_transfer_refused(core.ts(), channel, destination), channel)

    def progress(self, channel: Channel, states: str | None) -> None:
        if not states:
            raise AriError(400, "states must not be empty")
        answer = PROGRESS.get(states)
        if answer is None:
            raise AriError(400, "Invalid states value")
        pending = channel.transfer
        if pending is None:
            return
        result, final, echo = answer
        channel.refer_result = result
        pending.transcript_entry["result"] = result
        if final:
            channel.transfer = None
        core = self.core
        event = events.channel_transfer(
            core.ts(), channel, pending.destination, pending.replaces, echo
        )
        core.emit(event, channel)

    def channel_gone(self, channel: Channel) -> None:
        """Asterisk answers a still-pending REFER with 503 once the caller hangs up."""
        pending = channel.transfer
        if pending is not None:
            channel.transfer = None
            channel.refer_result = GAVE_UP
            pending.transcript_entry["result"] = GAVE_UP
