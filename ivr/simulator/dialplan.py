"""How calls arrive and where ``continue`` sends them: a small built-in dialplan.

Three ways in, as on real Asterisk:

* a hand-off, as if the dialplan ran ``Stasis(app, args…)`` on a caller's PJSIP
  channel: ``StasisStart`` in state ``Ring``, no ``ChannelDestroyed`` after
  ``StasisEnd``;
* an originate with ``app=``: the far end answers at once and the originated channel
  enters the app ``Up`` (subscribed, so it later gets ``ChannelDestroyed``);
* an originate into the dialplan the recorded traces used:
  ``Local/<exten>@optout-in`` runs ``Stasis(optout,inbound,<exten>)`` on its ``;2``
  half while the ``;1`` half runs a caller behaviour from context ``sim``.

The contexts, as the traces' ``extensions.conf`` had them::

    [optout-in]              exten => _X.,1,NoOp() / n,Stasis(optout,inbound,${EXTEN})
    [optout-unregistered]    exten => _X.,1,NoOp() / n,Stasis(nosuchapp)
                             / n,Set(GLOBAL(LAST_STASISSTATUS)=${STASISSTATUS})
    [answerer]               exten => answer,1,Answer(500) / n,Wait(15) / n,Hangup()
    [vm]                     exten => _X.,1,NoOp(send to voicemail ${EXTEN})
                             / n,VoiceMail(${EXTEN}@default,u)
    [sim]                    caller behaviours, timed from the answer:
                             digits12, digit9, hangup-early, silent, vm-caller
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ivr.simulator import events
from ivr.simulator.fallback import run_fallback
from ivr.simulator.state import Channel, Dialplan, Party
from ivr.simulator.wire import AriError, allocation_failed, atoi, is_integer

if TYPE_CHECKING:
    from ivr.simulator.pbx import Asterisk

STASIS_CONTEXTS = {"optout-in": "optout", "optout-unregistered": "nosuchapp"}
KNOWN_TECH = ("Local", "PJSIP")

# Caller behaviours of context ``sim``: (seconds after the answer, action).  The times
# are when a digit *ends* (each lasts 100 ms) or when the caller hangs up.
BEHAVIOURS: dict[str, tuple[tuple[float, str], ...]] = {
    "digits12": ((2.2, "1"), (5.652, "2")),
    "digit9": ((2.7, "9"), (22.97, "hangup")),
    "hangup-early": ((1.5, "hangup"),),
    "silent": ((30.0, "hangup"),),
    "vm-caller": ((18.3, "hangup"),),
}
DIGIT_MS = 100
ANSWERER_WAIT = 15.0


def parse_caller_id(raw: str | None) -> Party:
    """``Alice <+15550001001>`` → name and number, as ``ast_callerid_parse`` does."""
    if not raw:
        return Party()
    text = raw.strip()
    if "<" in text and text.endswith(">"):
        name, _, number = text[:-1].partition("<")
        return Party(name.strip().strip('"'), number.strip())
    if any(char.isdigit() for char in text) and not any(char.isalpha() for char in text):
        return Party("", text)
    return Party(text.strip('"'), "")


def handoff(
    core: Asterisk,
    *,
    app: str,
    number: str,
    name: str,
    args: list[str],
    variables: Mapping[str, str],
    endpoint: str = "phone",
    context: str = "from-phone",
    extension: str = "5000",
) -> Channel:
    """A caller's PJSIP channel that reached ``Stasis(app, args…)`` in the dialplan; when
    that fails (no client has the app) it runs the shipped dialplan's fall-back."""
    serial = core.tech_serial("PJSIP")
    protocol_id = f"{serial}-{20000 + serial}@127.0.0.1"
    channel = core.create_channel(
        name=f"PJSIP/{endpoint}-{serial:08x}",
        tech="PJSIP",
        state="Ring",
        caller=Party(name, number),
        connected=Party(),
        dialplan=Dialplan(context, extension, 1),
        protocol_id=protocol_id,
    )
    channel.endpoint = endpoint
    channel.remote_addr = "127.0.0.1:5070"
    channel.from_tag = f"{serial}SIPpTag001"
    for key, value in variables.items():
        if key.upper() == "PJSIP_TRANSFER_HANDLING":
            core.set_transfer_handling(channel, value)
        else:
            channel.variables[key] = value
    channel.dialplan = Dialplan(context, extension, 2)
    if not core.enter_stasis(channel, app, list(args)):
        run_fallback(core, channel)
    return channel


def originate(
    core: Asterisk, params: Mapping[str, str], variables: Mapping[str, str]
) -> tuple[Channel, dict[str, object]]:
    """``POST /channels``: validates like Asterisk 22; the channel and its 200 answer body."""
    endpoint = params.get("endpoint") or ""
    if not endpoint:
        raise AriError(400, "Endpoint must be specified")
    if params.get("originator") and params.get("formats"):
        raise AriError(400, "Originator and formats can't both be specified")
    tech, _, resource = endpoint.partition("/")
    if not tech or not resource:
        raise AriError(400, "Invalid endpoint specified")
    app = params.get("app") or ""
    extension = params.get("extension") or ""
    context = params.get("context") or "default"
    priority = 1
    if not app:
        if not extension:
            raise AriError(400, "Application or extension must be specified")
        priority = _priority(params.get("label"), params.get("priority"))
    matched = next((known for known in KNOWN_TECH if known.lower() == tech.lower()), None)
    if matched is None:
        raise allocation_failed()
    for wanted in (params.get("channelId"), params.get("otherChannelId")):
        if wanted and wanted in core.channels:
            raise AriError(409, "Channel with given unique ID already exists")
    caller = parse_caller_id(params.get("callerId"))
    if matched == "Local":
        outbound = _local_pair(core, resource, caller, params)
    else:
        serial = core.tech_serial("PJSIP")
        outbound = core.create_channel(
            name=f"PJSIP/{resource}-{serial:08x}",
            tech="PJSIP",
            state="Down",
            caller=Party(caller.name, caller.number),
            connected=Party(caller.name, caller.number),
            dialplan=Dialplan("default", "s", 1, "AppDial2", "(Outgoing Line)"),
            channel_id=params.get("channelId") or None,
        )
    outbound.variables.update(variables)
    outbound.originated = True
    if app:
        outbound.subscribers.add(app)
        if outbound.peer is not None:
            outbound.peer.subscribers.add(app)
        app_args = (params.get("appArgs") or "").split(",")
        outbound.stasis_args = [] if app_args == [""] else app_args
    elif context == "sim":
        outbound.behaviour = extension
    answer: dict[str, object] = dict(outbound.snapshot())
    _dial(core, outbound, resource, app, Dialplan(context, extension, priority))
    return outbound, answer


def _priority(label: str | None, priority: str | None) -> int:
    if label:
        number = atoi(label) if is_integer(label) else None
        if number is None:
            raise AriError(404, "Requested label can not be found")
        if number == 0:
            raise AriError(400, "Requested priority is illegal")
        return number
    return atoi(priority) or 1


def _local_pair(core: Asterisk, resource: str, caller: Party, params: Mapping[str, str]) -> Channel:
    target = resource.split("/", 1)[0]
    exten, _, context = target.partition("@")
    context = context or "default"
    serial = core.tech_serial("Local")
    base = f"Local/{target}-{serial:08x}"
    outbound = core.create_channel(
        name=f"{base};1",
        tech="Local",
        state="Down",
        caller=Party(caller.name, caller.number),
        connected=Party(caller.name, caller.number),
        dialplan=Dialplan(context, exten, 1, "AppDial2", "(Outgoing Line)"),
        channel_id=params.get("channelId") or None,
    )
    inbound = core.create_channel(
        name=f"{base};2",
        tech="Local",
        state="Ring",
        caller=Party(caller.name, caller.number),
        connected=Party(caller.name, caller.number),
        dialplan=Dialplan(context, exten, 1),
        channel_id=params.get("otherChannelId") or None,
    )
    outbound.peer = inbound
    inbound.peer = outbound
    return outbound


def _dial(core: Asterisk, outbound: Channel, resource: str, app: str, target: Dialplan) -> None:
    """The far end's side of an originate, and where the originated channel goes after."""
    far = outbound.peer
    dialstring = resource if far is None else resource.split("/", 1)[0]
    if far is not None and outbound.caller.number:
        core.emit(events.caller_id(core.ts(), far), far)
        core.emit(events.channel_event("ChannelConnectedLine", core.ts(), far), far)
    core.emit(events.dial(core.ts(), outbound, "", dialstring), outbound)
    if far is not None and far.dialplan.context in STASIS_CONTEXTS:
        _far_end_enters_stasis(core, far)
        return
    answerer = far is not None and far.dialplan.context == "answerer"
    if far is not None:
        if answerer:
            core.set_dialplan(far, Dialplan("answerer", far.dialplan.exten, 1, "Answer", ""))
            core.emit(events.dialplan_step(core.ts(), far), far)
        core.set_state(far, "Up")
    core.set_state(outbound, "Up")
    core.emit(events.dial(core.ts(), outbound, "ANSWER", dialstring), outbound)
    if far is not None and answerer:
        core.later(far, core.scaled(0.5), _answerer_waits, core, far)
    if app:
        if not core.enter_stasis(outbound, app, outbound.stasis_args):
            _hang_up_quietly(core, outbound)
        return
    core.set_dialplan(outbound, target)


def _far_end_enters_stasis(core: Asterisk, far: Channel) -> None:
    """The ``;2`` half runs ``Stasis()``; when that fails the call ends at once."""
    context = far.dialplan.context
    exten = far.dialplan.exten
    app = STASIS_CONTEXTS[context]
    far.dialplan = Dialplan(context, exten, 2)
    args = ["inbound", exten] if context == "optout-in" else []
    if core.enter_stasis(far, app, args):
        return
    core.globals["LAST_STASISSTATUS"] = "FAILED"
    _hang_up_quietly(core, far)


def _answerer_waits(core: Asterisk, far: Channel) -> None:
    core.set_dialplan(far, Dialplan("answerer", far.dialplan.exten, 2, "Wait", "15"))
    core.emit(events.dialplan_step(core.ts(), far), far)
    core.later(far, core.scaled(ANSWERER_WAIT), _far_end_hangs_up, core, far)


def _far_end_hangs_up(core: Asterisk, far: Channel) -> None:
    outbound = far.peer
    if outbound is not None and outbound.stasis_app is not None:
        core.hangup_by_caller(outbound)
    else:
        core.destroy(far, 16)


def _hang_up_quietly(core: Asterisk, channel: Channel) -> None:
    peer = channel.peer
    core.destroy(channel, 16)
    if peer is not None:
        core.destroy(peer, 16)


def start_behaviour(core: Asterisk, caller_half: Channel, stasis_half: Channel) -> None:
    """The app answered the ``;2`` half: the ``;1`` half starts its ``sim`` behaviour."""
    name = caller_half.behaviour
    if name is None:
        return
    steps = BEHAVIOURS.get(name)
    if steps is None:
        core.later(stasis_half, 0.0, core.hangup_by_caller, stasis_half)
        return
    for seconds, action in steps:
        if action == "hangup":
            core.later(stasis_half, core.scaled(seconds), core.hangup_by_caller, stasis_half)
        else:
            start = core.scaled(seconds - DIGIT_MS / 1000)
            core.press(stasis_half, action, duration_ms=DIGIT_MS, gap_ms=0, delay=start)


def continue_in_dialplan(core: Asterisk, channel: Channel, params: Mapping[str, str]) -> None:
    """``POST /channels/{id}/continue``: leave Stasis for the dialplan, as Asterisk 22 does."""
    core.require_callable_state(channel)
    given_context = params.get("context") or ""
    given_exten = params.get("extension") or ""
    context = given_context or channel.dialplan.context
    exten = given_exten or (channel.dialplan.exten if not given_context else "s")
    label = params.get("label")
    if label:
        priority = _priority(label, None)
    elif atoi(params.get("priority")):
        priority = atoi(params.get("priority"))
    elif not given_context and not given_exten:
        priority = channel.dialplan.priority + 1
    else:
        priority = 1
    delay = channel.busy_until - core.now()
    if delay > 0:
        core.later(channel, delay, _continue_now, core, channel, context, exten, priority)
    else:
        _continue_now(core, channel, context, exten, priority)


def _continue_now(
    core: Asterisk, channel: Channel, context: str, exten: str, priority: int
) -> None:
    core.note(channel, "dialplan", context=context, extension=exten, priority=priority)
    core.playbacks.channel_gone(channel)
    core.leave_stasis(channel)
    if context == "vm" and priority <= 2:
        core.set_dialplan(channel, Dialplan("vm", exten, 1, "NoOp", f"send to voicemail {exten}"))
        if priority <= 1:
            core.emit(events.dialplan_step(core.ts(), channel), channel)
        core.set_dialplan(channel, Dialplan("vm", exten, 2, "VoiceMail", f"{exten}@default,u"))
        core.emit(events.dialplan_step(core.ts(), channel), channel)
        return
    core.set_dialplan(channel, Dialplan(context, exten, priority))
    if channel.listeners():
        core.emit(events.hangup_request(core.ts(), channel, 16, True), channel)
    core.destroy(channel, 16)
    peer = channel.peer
    if peer is not None:
        core.destroy(peer, 16)


def move(core: Asterisk, channel: Channel, app: str | None, app_args: str | None) -> None:
    if not app:
        raise AriError(500, "Failed to switch Stasis applications")
    args = [part for part in (app_args or "").split(",") if part] if app_args else []
    if not core.bus.is_connected(app):
        core.emit(events.move_failed(core.ts(), channel, app, args), channel)
        return
    core.leave_stasis(channel)
    core.enter_stasis(channel, app, args)


def redirect(core: Asterisk, channel: Channel, endpoint: str | None) -> None:
    """Validates like Asterisk 22; the redirect itself changes nothing (as on a Local channel)."""
    core.require_callable_state(channel)
    if not endpoint:
        raise AriError(400, "Required parameter 'endpoint' not provided.", reason="Not Found")
    tech, _, resource = endpoint.partition("/")
    if not tech or "/" not in endpoint:
        raise AriError(
            422,
            f"Endpoint parameter '{endpoint}' does not contain tech/resource",
            reason="Unprocessable Entity",
        )
    if not resource:
        raise AriError(
            422,
            f"No resource provided in endpoint parameter '{endpoint}'",
            reason="Unprocessable Entity",
        )
    if tech.lower() != channel.tech.lower():
        raise AriError(
            422,
            f"Endpoint technology '{tech}' does not match channel technology '{channel.tech}'",
            reason="Unprocessable Entity",
        )
    core.note(channel, "redirect", endpoint=endpoint)
