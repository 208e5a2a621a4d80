"""``ivr dialplan check FILE…``: can a call handed to the IVR end up on voicemail?"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ivr.config import load_settings
from ivr.dialplan.checker import UnknownContextError, check
from ivr.dialplan.parser import DialplanParseError, parse_files


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("dialplan", help="check the Asterisk dialplan")
    commands = parser.add_subparsers(dest="dialplan_command", metavar="COMMAND")
    checker = commands.add_parser(
        "check",
        help="report every path from the IVR hand-off to voicemail",
        description=(
            "Parse extensions.conf (and what it #includes), find the hand-off contexts "
            "(those that run Stasis(APP...)) and report every path from them to "
            "VoiceMail()/VoiceMailMain() or to a voicemail target (IVR_VOICEMAIL_TARGETS). "
            "Exit 1 when there is one, 2 when a file cannot be read or parsed."
        ),
    )
    checker.add_argument("files", nargs="+", type=Path, metavar="FILE")
    checker.add_argument("--app", default=None, help="ARI app name (default: IVR_ARI_APP)")
    checker.add_argument(
        "--context",
        action="append",
        default=[],
        metavar="CTX",
        help="check this hand-off context instead of finding them (repeatable)",
    )
    checker.set_defaults(run=run_check)
    parser.set_defaults(run=lambda _args: _usage(parser))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def run_check(args: argparse.Namespace) -> int:
    settings = load_settings()
    app: str = args.app or settings.ari_app
    try:
        dialplan = parse_files(args.files)
        report = check(
            dialplan,
            app=app,
            contexts=args.context,
            voicemail_targets=settings.voicemail_targets,
        )
    except (DialplanParseError, UnknownContextError) as exc:
        print(f"ivr dialplan check: {exc}", file=sys.stderr)
        return 2
    for warning in report.warnings:
        print(warning)
    for path in report.paths:
        print(path)
    if not report.handoffs:
        print(
            f"ivr dialplan check: no context runs Stasis({app}...): nothing to check",
            file=sys.stderr,
        )
        return 0
    checked = ", ".join(report.handoffs)
    if report.paths:
        count = len(report.paths)
        print(f"ivr dialplan check: {count} path(s) to voicemail from {checked}", file=sys.stderr)
        return 1
    print(f"ivr dialplan check: no path to voicemail from {checked}", file=sys.stderr)
    return 0
