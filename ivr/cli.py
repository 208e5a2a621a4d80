"""The ``ivr`` command: parses arguments and hands over to one command module."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from ivr import __version__
from ivr.commands import (
    CommandModule,
    api,
    calls,
    check,
    consent,
    demo,
    dialplan,
    evidence,
    export,
    import_list,
    maintenance,
    may_call,
    optout,
    profiles,
    prompts,
    scrub,
    serve,
    simulate,
)
from ivr.config import ConfigError
from ivr.logs import LogFormat, configure_logging
from ivr.store import StoreError
from ivr.store.location import masked_text

COMMAND_MODULES: list[CommandModule] = [
    serve,
    demo,
    simulate,
    api,
    check,
    may_call,
    optout,
    consent,
    import_list,
    export,
    scrub,
    maintenance,
    calls,
    evidence,
    profiles,
    prompts,
    dialplan,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ivr",
        description="The opt-out IVR for telemarketing (recht van verzet, Bel-me-niet Register).",
    )
    parser.add_argument("--version", action="version", version=f"ivr {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser


def _env_log_format() -> LogFormat | None:
    """Logs always go to stderr, so a command's JSON on stdout stays clean."""
    value = os.environ.get("IVR_LOG_FORMAT", "").strip().lower()
    if value == "json":
        return "json"
    if value == "console":
        return "console"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
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
