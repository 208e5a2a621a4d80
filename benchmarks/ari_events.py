"""Microseconds to decode one ARI WebSocket message, per hot event type.

    python benchmarks/ari_events.py [--rounds 20000]

Each message is a real Asterisk 22 event from ``tests/data/ari/traces`` as the
WebSocket hands it over (text). ``parse_event_us`` is ``ivr.ari.events.parse_event``
of the ``ivr`` on ``sys.path``; ``msgspec_bare_us`` is a bare msgspec decode of the
same text into a plain dict (the floor of any decoder). Run it with
``PYTHONPATH=<an older checkout>`` to measure that checkout's ``parse_event``: the
script needs only ``parse_event`` from it. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import msgspec

TRACES = Path(__file__).resolve().parents[1] / "tests" / "data" / "ari" / "traces"
HOT = (
    "StasisStart",
    "StasisEnd",
    "ChannelDtmfReceived",
    "PlaybackStarted",
    "PlaybackContinuing",
    "PlaybackFinished",
    "ChannelHangupRequest",
)
COLD = ("ChannelStateChange", "ChannelVarset", "ChannelDestroyed")


def samples() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted(TRACES.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record.get("kind") == "ws_event":
                event = record["event"]
                found.setdefault(event["type"], json.dumps(event))
    return found


def per_call_us(call: Callable[[str], object], arg: str, rounds: int) -> float:
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(rounds):
            call(arg)
        best = min(best, (time.perf_counter() - started) / rounds * 1e6)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20000)
    args = parser.parse_args()
    import ivr
    from ivr.ari.events import parse_event

    texts = samples()
    figures: dict[str, dict[str, float]] = {}
    for kind in (*HOT, *COLD):
        if kind not in texts:
            continue
        text = texts[kind]
        assert type(parse_event(text)).__name__ == kind
        figures[kind] = {
            "bytes": len(text),
            "parse_event_us": round(per_call_us(parse_event, text, args.rounds), 2),
            "msgspec_bare_us": round(per_call_us(msgspec.json.decode, text, args.rounds), 2),
        }
        print(f"{kind:22} {figures[kind]}")
    hot = [figures[k]["parse_event_us"] for k in HOT if k in figures]
    print(
        json.dumps(
            {
                "ivr": str(Path(ivr.__file__).parent),
                "events": figures,
                "hot_mean_us": round(sum(hot) / len(hot), 2),
                "load_avg": os.getloadavg()[0],
            }
        )
    )


if __name__ == "__main__":
    main()
