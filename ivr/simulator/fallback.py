"""What the shipped dialplan does when ``Stasis()`` fails (the service is down)::

    [ivr-handoff]
    exten => 5000,…,Stasis(optout,…)
     same => n(fallback),Log(WARNING,IVR hand-off failed …)
     same => n,Playback(ivr/nl/handoff-fallback)
     same => n,Set(QUEUE_PRIO=10)
     same => n,ExecIf($["${IVR_FALLBACK_QUEUE_S}" = ""]?Set(IVR_FALLBACK_QUEUE_S=120))
     same => n,Queue(agents,,,,${IVR_FALLBACK_QUEUE_S})
     same => n,Log(NOTICE,… QUEUESTATUS=${QUEUESTATUS})
     same => n,Playback(ivr/nl/goodbye)
     same => n,Hangup()

The queue is ``dialplan/queues.conf``'s ``agents`` (``joinempty``/``leavewhenempty`` =
``unavailable,invalid,unknown``).  With no agent logged in (the simulator's default)
``Queue()`` returns at once with ``QUEUESTATUS=JOINEMPTY``; with agents logged in who
never answer (``Simulator(queue_agents=N)``) it returns after ``IVR_FALLBACK_QUEUE_S``
seconds (channel variable, else the dialplan global, else 120) with ``TIMEOUT``.  The
transcript shows each step: the two prompts, ``{"kind": "queue", "queue": "agents",
"result", "waited_ms"}`` and ``{"kind": "hangup", "by": "dialplan"}``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ivr.simulator.sounds import MediaOutcome
from ivr.simulator.state import Channel, Dialplan

if TYPE_CHECKING:
    from ivr.simulator.pbx import Asterisk

CONTEXT = "ivr-handoff"
QUEUE = "agents"
DEFAULT_QUEUE_S = 120
NORMAL_CLEARING = 16


def run_fallback(core: Asterisk, channel: Channel) -> None:
    """Start the fall-back on a channel whose ``Stasis()`` just failed."""
    core.set_dialplan(channel, Dialplan(CONTEXT, channel.dialplan.exten, 3, "Playback", ""))
    core.set_state(channel, "Up")
    _play(core, channel, "handoff-fallback", _queue)


def _play(
    core: Asterisk, channel: Channel, name: str, then: Callable[[Asterisk, Channel], None]
) -> None:
    media = f"sound:ivr/nl/{name}"
    plan = core.sounds.plan(media, channel.language)
    seconds = plan.seconds if plan.outcome is MediaOutcome.PLAYS else 0.0
    status = "finished" if plan.outcome is MediaOutcome.PLAYS else "failed"
    core.set_variable(channel, "PLAYBACKSTATUS", "SUCCESS" if status == "finished" else "FAILED")
    entry = core.note(channel, "prompt", media=media, status="playing", offset_ms=0)

    def done() -> None:
        entry["status"] = status
        entry["offset_ms"] = round(seconds * 1000)
        then(core, channel)

    core.later(channel, core.scaled(seconds), done)


def _queue(core: Asterisk, channel: Channel) -> None:
    core.set_variable(channel, "QUEUE_PRIO", "10")
    wait = _queue_seconds(core, channel)
    core.set_dialplan(
        channel, Dialplan(CONTEXT, channel.dialplan.exten, 6, "Queue", f"{QUEUE},,,,{wait}")
    )
    entry = core.note(channel, "queue", queue=QUEUE, result="waiting", waited_ms=0)
    if core.queue_agents <= 0:
        _queue_gave_up(core, channel, entry, "JOINEMPTY", 0.0)
        return
    give_up = core.scaled(float(wait))
    core.later(channel, give_up, _queue_gave_up, core, channel, entry, "TIMEOUT", float(wait))


def _queue_seconds(core: Asterisk, channel: Channel) -> int:
    variables = (channel.variables, core.globals)
    for value in (found.get("IVR_FALLBACK_QUEUE_S") for found in variables):
        if value and value.isdigit():
            return int(value)
    return DEFAULT_QUEUE_S


def _queue_gave_up(
    core: Asterisk, channel: Channel, entry: dict[str, object], result: str, waited: float
) -> None:
    entry["result"] = result
    entry["waited_ms"] = round(waited * 1000)
    core.set_variable(channel, "QUEUESTATUS", result)
    core.set_dialplan(channel, Dialplan(CONTEXT, channel.dialplan.exten, 8, "Playback", ""))
    _play(core, channel, "goodbye", _hang_up)


def _hang_up(core: Asterisk, channel: Channel) -> None:
    core.set_dialplan(channel, Dialplan(CONTEXT, channel.dialplan.exten, 9, "Hangup", ""))
    core.note(channel, "hangup", by="dialplan")
    core.destroy(channel, NORMAL_CLEARING)
