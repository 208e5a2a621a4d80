"""One module per group of ``ivr`` sub-commands; each has ``register(subparsers)``.

A command's ``run(args) -> int`` returns the exit code: 0 success, 1 a check that
says no, 2 usage, config or input error.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Protocol

Run = Callable[[argparse.Namespace], int]


class CommandModule(Protocol):
    def register(self, subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None: ...


def add_log_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--log-format",
        choices=["console", "json"],
        default=None,
        help="log format (default: IVR_LOG_FORMAT, else console on a terminal, json otherwise)",
    )
