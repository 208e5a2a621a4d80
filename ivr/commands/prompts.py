"""``ivr prompts build`` and ``ivr prompts check`` (DESIGN.md section 9)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ivr.commands.running import configured_profile
from ivr.config import Settings, load_settings
from ivr.prompts.build import PromptBuildError, build_prompts
from ivr.prompts.check import check_prompts
from ivr.prompts.lang import why_not_language
from ivr.prompts.names import FALLBACK_LANGUAGE, required_prompts


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    prompts = subparsers.add_parser("prompts", help="build or check the prompt WAVs")
    actions = prompts.add_subparsers(dest="prompts_command", metavar="ACTION", required=True)

    build = actions.add_parser(
        "build",
        help="make the WAVs from <dir>/<lang>/texts.toml (needs espeak-ng and sox)",
        description="Regenerate prompts/<lang>/<name>.wav from texts.toml with espeak-ng and "
        "sox: 8 kHz mono 16-bit PCM. Debian: apt-get install espeak-ng sox.",
    )
    build.add_argument("--dir", type=Path, default=Path("prompts"), help="default: prompts")
    build.add_argument("--lang", default="nl", help="language folder and espeak-ng voice")
    build.add_argument("--only", nargs="+", metavar="NAME", help="build only these prompts")
    build.set_defaults(run=run_build)

    check = actions.add_parser(
        "check",
        help="check every prompt the profile needs (exit 1 when one is missing or bad)",
        description="Check that every prompt of the profile (IVR_PROFILE) and every configured "
        "advertiser's name prompt exists and is an 8 kHz mono 16-bit PCM WAV, not silent and "
        "not longer than the profile allows.",
    )
    check.add_argument("--dir", type=Path, default=None, help="default: IVR_PROMPTS_DIR")
    check.add_argument("--lang", default="nl", help="default: nl")
    check.set_defaults(run=run_check)


def run_build(args: argparse.Namespace) -> int:
    lang_dir = args.dir / args.lang
    only = set(args.only) if args.only else None
    try:
        built = build_prompts(lang_dir / "texts.toml", lang_dir, only, voice=args.lang)
    except PromptBuildError as exc:
        print(f"ivr: {exc}", file=sys.stderr)
        return 2
    print(f"built {len(built)} {'prompt' if len(built) == 1 else 'prompts'} in {lang_dir}")
    return 0


def run_check(args: argparse.Namespace) -> int:
    settings = load_settings()
    profile = configured_profile(settings)
    prompts_dir: Path = args.dir if args.dir is not None else settings.prompts_dir
    lang = args.lang
    reason = why_not_language(prompts_dir, lang)
    if reason is not None:
        lang = FALLBACK_LANGUAGE
        print(
            f"ivr: warning: language {args.lang!r} is {reason} in {prompts_dir}; "
            f"calls fall back to {lang!r}, checking those",
            file=sys.stderr,
        )
    names = required_prompts(profile, _advertiser_prompts(settings))
    problems = check_prompts(prompts_dir / lang, names, profile.max_prompt_seconds)
    for problem in problems:
        print(problem)
    if problems:
        return 1
    print(
        f"{len(names)} prompts in {prompts_dir / lang} are fine for profile {profile.name} "
        f"(8 kHz mono 16-bit PCM, audible, at most {profile.max_prompt_seconds:g} s)"
    )
    return 0


def _advertiser_prompts(settings: Settings) -> list[str]:
    return [ad.name_prompt for ad in settings.advertisers.values() if ad.name_prompt is not None]
