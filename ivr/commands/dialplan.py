"""``ivr dialplan check FILE…``: can a call handed to the IVR end up on voicemail?"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ivr.config import load_settings
from ivr.dialplan.checker import CheckReport, UnknownContextError, check
from ivr.dialplan.installed import app_problems
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
            "VoiceMail()/VoiceMailMain() or to a voicemail target (IVR_VOICEMAIL_TARGETS), "
            "and every jump on those paths it cannot follow. Exit 1 when there is one, or no "
            "hand-off context at all; 2 when a file cannot be read or parsed."
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
    checker.add_argument(
        "--allow-dynamic-jumps",
        action="store_true",
        help="a jump whose target the check cannot know (a variable) is a warning, not an error",
    )
    checker.add_argument(
        "--etc",
        type=Path,
        default=None,
        metavar="DIR",
        help="Asterisk's configuration folder: also report applications on the hand-off paths "
        "that cannot run there (Queue(x) without queue x in queues.conf, AMD() without amd.conf)",
    )
    checker.set_defaults(run=run_check)
    parser.set_defaults(run=lambda _args: _usage(parser))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def run_check(args: argparse.Namespace) -> int:
    settings = load_settings()
    app: str = args.app or settings.ari_app
    if args.etc is not None and not args.etc.is_dir():
        print(f"ivr dialplan check: --etc {args.etc}: no such folder", file=sys.stderr)
        return 2
    try:
        dialplan = parse_files(args.files)
        report = check(
            dialplan,
            app=app,
            contexts=args.context,
            voicemail_targets=settings.voicemail_targets,
        )
        problems = [str(p) for p in app_problems(report.apps, args.etc)] if args.etc else []
    except DialplanParseError as exc:
        print(f"ivr dialplan check: {exc}", file=sys.stderr)
        return 2
    except UnknownContextError as exc:
        print(f"ivr dialplan check: {exc}", file=sys.stderr)
        return 1
    if not report.handoffs:
        print(f"ivr dialplan check: no context runs Stasis({app})", file=sys.stderr)
        return 1
    return _print_report(report, problems, allow_dynamic_jumps=args.allow_dynamic_jumps)


def _print_report(report: CheckReport, problems: list[str], *, allow_dynamic_jumps: bool) -> int:
    warnings = list(report.warnings)
    errors = [str(path) for path in report.paths] + problems
    if allow_dynamic_jumps:
        warnings.extend(jump.as_warning() for jump in report.jumps)
    else:
        errors.extend(str(jump) for jump in report.jumps)
    for warning in warnings:
        print(warning)
    for error in errors:
        print(error)
    checked = ", ".join(report.handoffs)
    if errors:
        counts = [
            f"{len(report.paths)} path(s) to voicemail" if report.paths else "",
            f"{len(problems)} application(s) that cannot run" if problems else "",
            f"{len(report.jumps)} jump(s) it cannot follow"
            if report.jumps and not allow_dynamic_jumps
            else "",
        ]
        found = ", ".join(count for count in counts if count)
        print(f"ivr dialplan check: {found} from {checked}", file=sys.stderr)
        return 1
    print(f"ivr dialplan check: no path to voicemail from {checked}", file=sys.stderr)
    return 0
