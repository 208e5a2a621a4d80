"""Is this channel an answering machine or a voicemail box? (docs/call-flow.md)

What counts is what the dialer found when it first answered (``AMDSTATUS``) or
an explicit ``IVR_VOICEMAIL=1``; ``AMD()`` is never run on the hand-off.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ivr.ari.errors import VariableNotFound
from ivr.ari.http import AriClient
from ivr.ari.models import Channel

AMD_VARIABLE = "AMDSTATUS"
VOICEMAIL_VARIABLE = "IVR_VOICEMAIL"


@dataclass(frozen=True, slots=True)
class Refusal:
    reason: str  # "amd" or "voicemail"
    value: str


async def channel_variable(ari: AriClient, channel: Channel, name: str) -> str | None:
    """From the StasisStart channel when ``ari.conf`` lists it in ``channelvars``, else asked."""
    if channel.channelvars is not None and name in channel.channelvars:
        return channel.channelvars[name] or None
    try:
        value = await ari.get_variable(channel.id, name)
    except VariableNotFound:
        return None
    return value or None


async def find_refusal(
    ari: AriClient, channel: Channel, refuse_amd: Sequence[str]
) -> Refusal | None:
    refused = {status.strip().upper() for status in refuse_amd}
    amd = await channel_variable(ari, channel, AMD_VARIABLE)
    if amd and amd.strip().upper() in refused:
        return Refusal("amd", amd)
    voicemail = await channel_variable(ari, channel, VOICEMAIL_VARIABLE)
    if voicemail and voicemail.strip() == "1":
        return Refusal("voicemail", voicemail)
    return None
