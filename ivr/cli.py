"""The ``ivr`` command: parses arguments and hands over to one command module."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from ivr import __version__, process_end
from ivr.commands import CommandModule
from ivr.logs import LogFormat, configure_logging

COMMANDS = {
    "serve": "serve",
    "demo": "demo",
    "simulate": "simulate",
    "api": "api",
    "check": "check",
    "may-call": "may_call",
    "optout": "optout",
    "consent": "consent",
    "import": "import_list",
    "export": "export",
    "scrub": "scrub",
    "backup": "maintenance",
    "purge": "maintenance",
    "db": "db",
    "calls": "calls",
    "evidence": "evidence",
    "profiles": "profiles",
    "prompts": "prompts",
    "dialplan": "dialplan",
}
"""Each command and the module of :mod:`ivr.commands` that registers it, in the order
``ivr --help`` lists them."""

COMMAND_MODULES = tuple(dict.fromkeys(COMMANDS.values()))
"""Every command module, each once; all are loaded only for ``ivr --help`` and its like."""


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
    """The parser of the one command ``argv`` names (its module alone is loaded: a command
    starts without importing every other command's dependencies), else of every command."""
    if argv and argv[0] in COMMANDS:
        return build_parser([COMMANDS[argv[0]]])
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
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        said = _one_line(exc)
        if said is None:
            raise
        print(f"ivr: {said}", file=sys.stderr)
        return 2
    return code


def _one_line(exc: Exception) -> str | None:
    """What to tell the operator of a failure they can mend, or ``None`` (a traceback).

    The config and store modules are imported here, not when ``ivr`` starts: a command
    that never loaded them cannot have raised their errors, and one that needs neither
    (``ivr dialplan``, ``ivr simulate``) starts without them."""
    from ivr.config import ConfigError
    from ivr.store import StoreError
    from ivr.store.location import masked_text

    if isinstance(exc, ConfigError):
        return str(exc)
    if isinstance(exc, OSError):
        # A file the operator named that cannot be used: one line, not a traceback.
        return None if exc.filename is None else f"{exc.filename}: {exc.strerror}"
    if isinstance(exc, StoreError):  # cannot connect, a schema newer than this ivr, …
        return f"database: {masked_text(str(exc))}"
    return None


def console() -> int:
    """The ``ivr`` console command: :func:`main`, then the process ends without freeing
    every object one by one (:mod:`ivr.process_end`)."""
    process_end.ending()
    code = main()
    process_end.exit_now(code)
    return code


if __name__ == "__main__":
    sys.exit(console())
