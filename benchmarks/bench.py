"""``make bench``: every benchmark of issue 14 in one run, its own references included.

    python benchmarks/bench.py [--quick]

Runs, one after the other, each as its own process (their output passes through):

1. ``calls.py --calls 1000 --speed 1 --ramp 55``: real pace, with a REST probe
   (``DELETE /ari/playbacks/{unknown}`` -> 404, 10 a second, a client of its own)
   idle before the calls and during them, and a burst of 500 hand-offs after them;
2. ``calls.py --calls 1000 --speed 20``: the same calls 20 times sooner (no burst);
3. ``store.py``: the writer's durable opt-outs/s and bare SQLite, one row per
   transaction, same disk and table (20,000 rows each);
4. ``scrub.py``: import, scrub (CLI, HTTP) and the ``sort | join`` reference on one
   seeded data set of 1,000,000 numbers.

``--quick`` runs the same steps small (100 real-pace calls over 10 s, 200 at speed 20,
2,000 store rows, 20,000 scrub rows) for iterating; its figures are not the issue's.
The kernel's listen-queue overflows are read before and after the whole run
(``/proc/net/netstat``; the machine's, other work included). The LAST line is one
JSON object; ``benchmarks/README.md`` explains each key.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.harness import listen_overflows, load_average

HERE = Path(__file__).resolve().parent

FULL = {
    "real": ["--calls", "1000", "--speed", "1", "--ramp", "55", "--burst", "500"],
    "speed20": ["--calls", "1000", "--speed", "20", "--burst", "0", "--idle-probes", "20"],
    "store": ["--rows", "20000", "--writers", "500"],
    "scrub": ["--rows", "1000000"],
}
QUICK = {
    "real": ["--calls", "100", "--speed", "1", "--ramp", "10", "--burst", "100"],
    "speed20": ["--calls", "200", "--speed", "20", "--burst", "0", "--idle-probes", "20"],
    "store": ["--rows", "2000", "--writers", "100"],
    "scrub": ["--rows", "20000"],
}
SCRUB_KEYS = ("scrub_cli_s", "scrub_http_s", "scrub_pipeline_s", "import_per_s")


def step(script: str, args: list[str]) -> dict[str, Any]:
    """Run ``benchmarks/<script>`` with ``args``; its last line, parsed."""
    argv = [sys.executable, str(HERE / script), *args]
    print(f"== {' '.join(argv[1:])}", flush=True)
    started = time.monotonic()
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    last = ""
    for line in process.stdout:
        print(line, end="", flush=True)
        if line.strip():
            last = line
    if process.wait() != 0:
        raise SystemExit(f"{script} failed (exit {process.returncode})")
    print(f"== {script}: {time.monotonic() - started:.0f} s", flush=True)
    figures: dict[str, Any] = json.loads(last)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small runs, for iterating")
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    overflows_before = listen_overflows()
    load_before = load_average()
    real = step("calls.py", plan["real"])
    fast = step("calls.py", plan["speed20"])
    store = step("store.py", plan["store"])
    scrub = step("scrub.py", plan["scrub"])
    figures = {
        "quick": args.quick,
        "calls": real["calls"],
        "lost": real["lost"] + fast["lost"],
        "duplicated": real["duplicated"] + fast["duplicated"],
        "cpu_ms_per_call": real["cpu_ms_per_call"],
        "cpu_ms_per_call_speed20": fast["cpu_ms_per_call"],
        "barge_in_p50_ms": real["barge_in_ms"]["p50"],
        "barge_in_p99_ms": real["barge_in_ms"]["p99"],
        "rest_rtt_p50_ms": real["rest_rtt_ms"]["p50"],
        "rest_rtt_p99_ms": real["rest_rtt_ms"]["p99"],
        "rest_rtt_idle_p50_ms": real["rest_rtt_idle_ms"]["p50"],
        "rest_rtt_idle_p99_ms": real["rest_rtt_idle_ms"]["p99"],
        "barge_in_p99_over_rest_rtt_p99": real["barge_in_p99_over_round_trip"],
        "burst_max_answer_ms": real["burst"]["answer_ms"]["max"],
        "rss_mb": real["service_peak_rss_mb"],
        "listen_overflows": listen_overflows() - overflows_before,
        "optouts_per_s": store["optouts_per_s"],
        "sqlite_bare_per_s": store["sqlite_bare_per_s"],
        "optouts_cpu_us_per_row": store["optouts_cpu_us_per_row"],
        **{key: scrub[key] for key in SCRUB_KEYS},
        "load_avg_before": load_before,
        "load_avg_after": load_average(),
    }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
