"""Channel variables and the few dialplan functions the IVR and the traces read.

A name ending in ``)`` is a function: an unknown one, or one that cannot be read
(``PJSIP_TRANSFER_HANDLING()``), is 500 ``Unable to read provided function``.  An
unset variable is 404 ``Provided variable was not found``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ivr.simulator.state import Channel
from ivr.simulator.wire import AriError

if TYPE_CHECKING:
    from ivr.simulator.pbx import Asterisk

UNREADABLE = AriError(500, "Unable to read provided function", reason="Error With Function")
NOT_FOUND_REASON = "Variable Not Found"


def read_variable(core: Asterisk, channel: Channel, name: str) -> str:
    if name.endswith(")"):
        value = _read_function(channel, name)
        if value is None:
            raise AriError(UNREADABLE.status, UNREADABLE.message, reason=UNREADABLE.reason)
        return value
    if name in channel.variables:
        return channel.variables[name]
    builtin = _builtin(channel, name)
    if builtin is not None:
        return builtin
    if name in core.globals:
        return core.globals[name]
    raise AriError(404, "Provided variable was not found", reason=NOT_FOUND_REASON)


def write_variable(core: Asterisk, channel: Channel, name: str, value: str | None) -> None:
    if not name.endswith(")"):
        core.set_variable(channel, name, value)
        return
    function, _, argument = name[:-1].partition("(")
    function = function.upper()
    argument = argument.strip().lower()
    text = value or ""
    if function == "PJSIP_TRANSFER_HANDLING" and channel.tech == "PJSIP":
        core.set_transfer_handling(channel, text)
    elif function == "CALLERID" and argument in ("num", "name", "all"):
        if argument in ("num", "all"):
            channel.caller.number = text
        if argument == "name":
            channel.caller.name = text
        channel.touch()
    elif function == "CONNECTEDLINE" and argument in ("num", "name"):
        if argument == "num":
            channel.connected.number = text
        else:
            channel.connected.name = text
        channel.touch()
    elif function == "CHANNEL" and argument == "language":
        channel.language = text
        channel.touch()
    else:
        raise AriError(400, "Failed to execute function")


def _builtin(channel: Channel, name: str) -> str | None:
    return {
        "CHANNEL": channel.name,
        "UNIQUEID": channel.id,
        "CONTEXT": channel.dialplan.context,
        "EXTEN": channel.dialplan.exten,
        "PRIORITY": str(channel.dialplan.priority),
    }.get(name)


def _read_function(channel: Channel, name: str) -> str | None:
    function, _, argument = name[:-1].partition("(")
    function = function.strip().upper()
    arg = argument.strip()
    lowered = arg.lower()
    if function == "CALLERID":
        return {
            "num": channel.caller.number,
            "name": channel.caller.name,
            "all": f'"{channel.caller.name}" <{channel.caller.number}>',
        }.get(lowered)
    if function == "CONNECTEDLINE":
        return {"num": channel.connected.number, "name": channel.connected.name}.get(lowered)
    if function == "CHANNEL":
        return _channel_function(channel, lowered)
    if function == "PJSIP_HEADER" and channel.tech == "PJSIP":
        return _sip_header(channel, arg)
    return None


def _channel_function(channel: Channel, argument: str) -> str | None:
    values = {
        "name": channel.name,
        "uniqueid": channel.id,
        "language": channel.language,
        "state": channel.state,
        "channeltype": channel.tech,
        "context": channel.dialplan.context,
        "exten": channel.dialplan.exten,
    }
    if channel.tech == "PJSIP":
        values.update(
            {
                "endpoint": channel.endpoint,
                "pjsip,call-id": channel.protocol_id,
                "pjsip,remote_addr": channel.remote_addr,
            }
        )
    return values.get(argument.replace(" ", ""))


def _sip_header(channel: Channel, argument: str) -> str | None:
    action, _, header = argument.partition(",")
    if action.strip().lower() != "read":
        return None
    header = header.strip().lower()
    host = channel.remote_addr.split(":", 1)[0] or "127.0.0.1"
    if header == "from":
        display = f'"{channel.caller.name}" ' if channel.caller.name else ""
        return f"{display}<sip:{channel.caller.number}@{host}>;tag={channel.from_tag}"
    if header == "call-id":
        return channel.protocol_id
    if header == "to":
        return f"<sip:{channel.dialplan.exten}@127.0.0.1>"
    return None
