"""The ``ivr`` command: parses arguments and hands over to one command module."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from ivr import __version__
from ivr.commands import CommandModule
from ivr.config import ConfigError
from ivr.logs import LogFormat, configure_logging
from ivr.store import StoreError
from ivr.store.location import masked_text

COMMAND_MODULES = (
    "serve",
    "demo",
    "simulate",
    "api",
    "check",
    "may_call",
    "optout",
    "consent",
    "import_list",
    "export",
    "scrub",
    "maintenance",
    "db",
    "calls",
    "evidence",
    "profiles",
    "prompts",
    "dialplan",
)
"""The modules of :mod:`ivr.commands`, in the order ``ivr --help`` lists their commands;
loaded when the parser is built."""


BULK_COMMANDS = {"scrub": "scrub", "import": "import_list"}
"""Commands whose start-up time counts against a file's: ``ivr scrub`` and ``ivr import``
load only their own module (a third of the start-up of loading every command)."""


def build_parser(modules: Sequence[str] = COMMAND_MODULES) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ivr",
        description="The opt-out IVR for telemarketing (recht van verzet, Bel-me-niet Register).",
    )
    parser.add_argument("--version", action="version", version=f"ivr {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in modules:
        module: CommandModule = importlib.import_module(f"ivr.commands.{name}")
        module.register(subparsers)
    return parser


def parser_for(argv: Sequence[str]) -> argparse.ArgumentParser:
    """The parser of every command, or of the one bulk command ``argv`` names."""
    if argv and argv[0] in BULK_COMMANDS:
        return build_parser([BULK_COMMANDS[argv[0]]])
    return build_parser()


def _env_log_format() -> LogFormat | None:
    """Logs always go to stderr, so a command's JSON on stdout stays clean."""
    value = os.environ.get("IVR_LOG_FORMAT", "").strip().lower()
    if value == "json":
        return "json"
    if value == "console":
        return "console"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = parser_for(argv)
    args = parser.parse_args(argv)
    run = getattr(args, "run", None)
    configure_logging(_env_log_format())
    if run is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        code: int = run(args)
    except ConfigError as exc:
        print(f"ivr: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        if exc.filename is None:
            raise
        # A file the operator named that cannot be used: one line, not a traceback.
        print(f"ivr: {exc.filename}: {exc.strerror}", file=sys.stderr)
        return 2
    except StoreError as exc:  # cannot connect, a schema newer than this ivr, …
        print(f"ivr: database: {masked_text(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
