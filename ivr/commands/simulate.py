"""``ivr simulate``: the simulated Asterisk on its own, for ``ivr serve`` or any ARI app."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import signal
import sys
from pathlib import Path

import structlog
from pydantic import ValidationError

from ivr.clock import LoopClock
from ivr.commands import add_log_format
from ivr.logs import configure_logging
from ivr.prompts.location import prompts_dir_for
from ivr.simulator import Simulator
from ivr.simulator.script import read_script
from ivr.simulator.server import DEFAULT_CHANNELVARS

EPILOG = """\
Calls arrive two ways, as on a real Asterisk:
  * a hand-off, as if the dialplan ran Stasis(app, args...): placed by --script or by
    POST /_sim/calls; StasisStart in state Ring, no ChannelDestroyed after StasisEnd;
  * an ARI originate with app= (POST /ari/channels?endpoint=PJSIP/1000&app=optout):
    the far end answers at once and the channel enters the app Up.
A caller without a script stays silent until hung up or driven through /_sim.

Script format (--script FILE): a JSON list of callers, each shaped like the body of
POST /_sim/calls.  Steps without on_prompt fire after_ms after the call is placed;
a step with on_prompt fires after_ms after the first start of a media whose sound
name ends with that prompt (once).  A caller is placed at_ms after its app connects.

  [
    {"app": "optout", "number": "0612345678", "name": "Consument",
     "args": ["advertiser=acme", "number=0612345678"],
     "variables": {"AMDSTATUS": "HUMAN"},
     "steps": [
       {"on_prompt": "menu", "after_ms": 1200, "press": "2"},
       {"on_prompt": "register-scope", "after_ms": 500, "press": "1"},
       {"on_prompt": "confirm-register", "refer": "1000"},
       {"after_ms": 120000, "hangup": true}
     ]},
    {"app": "optout", "number": "0201234567", "at_ms": 5000,
     "variables": {"AMDSTATUS": "MACHINE", "PJSIP_TRANSFER_HANDLING": "ari-only"}}
  ]

Step fields: on_prompt, after_ms, press (digits), duration_ms (100), gap_ms (250),
hangup, refer (a transfer to that extension, as the phone's REFER).

Control (same credentials): POST /_sim/calls[?count=N (a burst)], POST /_sim/channels/{id}/keys
{"digits": "12#"}, POST /_sim/channels/{id}/hangup, POST|GET /_sim/channels/{id}/refer
{"destination": "1000"}, GET /_sim/channels/{id}/transcript, POST /_sim/faults,
GET /_sim/requests, GET /_sim/events?type=ChannelDtmfReceived (send times, wall seconds).
"""

log = structlog.get_logger()


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "simulate",
        help="run the simulated Asterisk (ARI REST + WebSocket) with scripted callers",
        description="Run a simulated Asterisk 22 that speaks ARI, on loopback by default.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8088, help="port to bind (8088)")
    parser.add_argument("--user", default="asterisk", help="ARI user (asterisk)")
    parser.add_argument("--password", default="asterisk", help="ARI password (asterisk)")
    parser.add_argument(
        "--prompts",
        type=Path,
        default=None,
        help="prompts directory (IVR_PROMPTS_DIR, else ./prompts, else the installed package's)",
    )
    parser.add_argument(
        "--sounds", type=Path, default=None, help="an Asterisk sounds directory (optional)"
    )
    parser.add_argument("--script", type=Path, default=None, help="JSON script of callers")
    parser.add_argument(
        "--speed", type=float, default=1.0, help="play prompts and scripts N times faster (1)"
    )
    parser.add_argument(
        "--queue-agents",
        type=int,
        default=0,
        metavar="N",
        help="agents logged in to the fall-back queue, who never answer (0: the queue returns "
        "at once when Stasis() fails; N: the caller waits IVR_FALLBACK_QUEUE_S, 120 s)",
    )
    parser.add_argument(
        "--channelvars",
        default=",".join(DEFAULT_CHANNELVARS),
        help="variables shown in channel JSON, like ari.conf channelvars "
        f"({','.join(DEFAULT_CHANNELVARS)}; empty for none)",
    )
    parser.add_argument(
        "--entity-id",
        default=None,
        help="Asterisk's system.entity_id in GET /ari/asterisk/info and on every event "
        "(default: a fresh one per run, as each Asterisk has its own)",
    )
    add_log_format(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    configure_logging(args.log_format)
    if args.speed <= 0:
        print("ivr simulate: --speed must be positive", file=sys.stderr)
        return 2
    if args.queue_agents < 0:
        print("ivr simulate: --queue-agents must be 0 or more", file=sys.stderr)
        return 2
    callers = None
    if args.script is not None:
        try:
            callers = read_script(args.script)
        except (OSError, ValueError, ValidationError) as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            print(f"ivr simulate: cannot read script {args.script}: {first}", file=sys.stderr)
            return 2
    channelvars = tuple(name for name in args.channelvars.split(",") if name.strip())
    try:
        asyncio.run(_serve(args, callers, channelvars))
    except OSError as exc:
        print(f"ivr simulate: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    return 0


async def _serve(args: argparse.Namespace, callers: object, channelvars: tuple[str, ...]) -> None:
    simulator = Simulator(
        LoopClock(),
        prompts_dir=prompts_dir_for(args.prompts),
        sounds_dir=args.sounds,
        user=args.user,
        password=args.password,
        speed=args.speed,
        channelvars=channelvars,
        record_events=False,
        entity_id=args.entity_id,
        queue_agents=args.queue_agents,
    )
    if isinstance(callers, list):
        simulator.load_script(callers)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    async with simulator.serve(args.host, args.port) as base_url:
        keep_records_out_of_gc(simulator)
        log.info("simulator.listening", url=base_url, speed=args.speed)
        print(json.dumps({"ari_url": base_url, "app_events": f"{base_url}/ari/events"}))
        await stop.wait()
    log.info("simulator.stopped")


def keep_records_out_of_gc(simulator: Simulator) -> None:
    """Freeze (``gc.freeze``) what the simulator holds now and whenever its last live channel
    is gone: start-up's modules and models, and the records it keeps until it exits (every
    channel with its transcript, every request, the event timeline). The collector's full
    passes then walk only what live calls made, instead of everything since start-up, which
    stalled a burst of hand-offs after 1,000 calls (issue 14). A moment without live
    channels leaves little to freeze that could later become cyclic garbage (idle
    connections); the garbage before it is collected first."""
    loop = asyncio.get_running_loop()
    pending = False

    def freeze() -> None:
        nonlocal pending
        pending = False
        if not simulator.core.channels:
            gc.collect()
            gc.freeze()

    def when_idle() -> None:
        nonlocal pending
        if not pending:
            pending = True
            loop.call_soon(freeze)

    simulator.core.on_idle.append(when_idle)
    freeze()
