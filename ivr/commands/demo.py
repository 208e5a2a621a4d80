"""``ivr demo``: the simulated Asterisk, the real service and scripted callers."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from ivr.demo import run_demo
from ivr.logs import configure_logging
from ivr.prompts.location import prompts_dir_for


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run the IVR against the simulated Asterisk with a handful of callers",
        description=(
            "Start the simulated Asterisk and the real service on free loopback ports, "
            "play scripted callers at once, print what each heard and pressed, "
            "then the resulting suppression list."
        ),
    )
    parser.add_argument("--db", type=Path, default=None, help="database file (default: temporary)")
    parser.add_argument("--speed", type=float, default=1.0, help="play prompts N times faster")
    parser.add_argument(
        "--prompts",
        type=Path,
        default=None,
        help="prompts folder (IVR_PROMPTS_DIR, else ./prompts, else the installed package's)",
    )
    parser.add_argument("--verbose", action="store_true", help="show the service's log lines")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.speed <= 0:
        print("ivr demo: --speed must be positive", file=sys.stderr)
        return 2
    configure_logging("console", level=logging.INFO if args.verbose else logging.WARNING)
    return asyncio.run(run_demo(args.db, args.speed, sys.stdout, prompts_dir_for(args.prompts)))
