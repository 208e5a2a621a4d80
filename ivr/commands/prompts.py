"""``ivr prompts build | check | mark | install | manifest``
(docs/design.md §9, §10.1, §10.2, §14.12)."""

from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path

from ivr.commands.running import configured_profile
from ivr.commands.store_access import fail
from ivr.config import ConfigError, Settings, load_settings
from ivr.flow.profile import Profile, load_profile
from ivr.prompts.build import PromptBuildError, build_prompts, voice_for
from ivr.prompts.complete import language_problems
from ivr.prompts.install import SOUNDS_SUBFOLDER, InstallError, install_language, languages_in
from ivr.prompts.lang import has_prompts, spoken_languages
from ivr.prompts.manifest import ManifestError, scan_wavs, write_manifest
from ivr.prompts.marks import played_wav
from ivr.prompts.names import advertiser_prompts, required_prompts
from ivr.prompts.offered import MARK_KEYS, OfferedError, PromptMarks, load_offered, write_offered


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    prompts = subparsers.add_parser(
        "prompts", help="build, check, mark and install the prompt WAVs"
    )
    actions = prompts.add_subparsers(dest="prompts_command", metavar="ACTION", required=True)
    _register_build(actions)
    _register_check(actions)
    _register_mark(actions)
    _register_install(actions)
    _register_manifest(actions)


def _register_build(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    build = actions.add_parser(
        "build",
        help="make the WAVs and offered.toml from <dir>/<lang>/texts.toml (espeak-ng and sox)",
        description="Regenerate prompts/<lang>/<name>.wav from texts.toml with espeak-ng and "
        "sox (8 kHz mono 16-bit PCM), and measure each {offered:RIGHT} and {asked} mark into "
        "offered.toml with the WAV's sha256. Debian: apt-get install espeak-ng sox.",
    )
    build.add_argument("--dir", type=Path, default=Path("prompts"), help="default: prompts")
    build.add_argument("--lang", default="nl", help="language folder (default: nl)")
    build.add_argument("--voice", help="espeak-ng voice (default: nl for nl, en-us for en)")
    build.add_argument("--only", nargs="+", metavar="NAME", help="build only these prompts")
    build.set_defaults(run=run_build)


def _register_check(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = actions.add_parser(
        "check",
        help="check every prompt and mark a profile needs, per language (exit 1 on a problem)",
        description="For the profile (IVR_PROFILE, or --profile) in each of its languages: every "
        "prompt it may play and every configured advertiser's name prompt is an 8 kHz mono "
        "16-bit PCM WAV, audible and not longer than the profile allows; every statement prompt "
        "has the mark of its right in offered.toml, within the WAV, measured on this WAV.",
    )
    check.add_argument("--dir", type=Path, default=None, help="default: IVR_PROMPTS_DIR")
    check.add_argument(
        "--profile", action="append", metavar="P", help="check this profile (repeatable)"
    )
    check.add_argument("--lang", help="only this language (default: the profile's languages)")
    check.set_defaults(run=run_check)


def _register_mark(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    mark = actions.add_parser(
        "mark",
        help="set one mark of offered.toml by hand (after a re-recording)",
        description="Set where prompt NAME has fully stated KEY (a right, or 'asked' for the "
        "charities question), in ms from its start, for the WAV as it is now. Marks measured "
        "on another recording of that prompt are dropped.",
    )
    mark.add_argument("name", metavar="NAME", help="the prompt, e.g. menu")
    mark.add_argument("key", metavar="KEY", choices=MARK_KEYS, help=", ".join(MARK_KEYS))
    mark.add_argument("ms", metavar="MS", type=int, help="milliseconds from the prompt's start")
    mark.add_argument("--dir", type=Path, default=None, help="default: IVR_PROMPTS_DIR")
    mark.add_argument("--lang", default="nl", help="default: nl")
    mark.set_defaults(run=run_mark)


def _register_install(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    install = actions.add_parser(
        "install",
        help="copy the prompts into Asterisk's sounds folder (SOUNDS_DIR/ivr/<lang>/)",
        description="Copy <prompts>/<lang>/ into SOUNDS_DIR/ivr/<lang>/ (e.g. "
        "/var/lib/asterisk/sounds), making folders (0755) and replacing files (0644); the same "
        "result the first and the second time. Writes manifest.toml there: the WAVs copied "
        "and their sha256.",
    )
    install.add_argument("sounds_dir", metavar="SOUNDS_DIR", type=Path)
    install.add_argument(
        "--lang", action="append", help="this language only (repeatable; default: all)"
    )
    install.add_argument("--dir", type=Path, default=None, help="default: IVR_PROMPTS_DIR")
    install.set_defaults(run=run_install)


def _register_manifest(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    manifest = actions.add_parser(
        "manifest",
        help="write <prompts>/<lang>/manifest.toml (when the WAVs live only on Asterisk)",
        description="Hash the WAVs installed in SOUNDS_DIR/ivr/<lang>/ (or, without SOUNDS_DIR, "
        "those in the prompts folder) and write <prompts>/<lang>/manifest.toml, from which the "
        "service takes each played prompt's sha256 when it has no WAVs of its own.",
    )
    manifest.add_argument("sounds_dir", metavar="SOUNDS_DIR", type=Path, nargs="?")
    manifest.add_argument("--lang", action="append", help="repeatable; default: all")
    manifest.add_argument("--dir", type=Path, default=None, help="default: IVR_PROMPTS_DIR")
    manifest.set_defaults(run=run_manifest)


def _prompts_dir(explicit: Path | None, settings: Settings | None = None) -> Path:
    if explicit is not None:
        return explicit
    return (settings or load_settings()).prompts_dir


def run_build(args: argparse.Namespace) -> int:
    lang_dir = args.dir / args.lang
    only = set(args.only) if args.only else None
    voice = args.voice or voice_for(args.lang)
    try:
        built = build_prompts(lang_dir / "texts.toml", lang_dir, only, voice=voice)
    except PromptBuildError as exc:
        return fail(str(exc))
    print(f"built {len(built)} {'prompt' if len(built) == 1 else 'prompts'} in {lang_dir}")
    return 0


def run_check(args: argparse.Namespace) -> int:
    settings = load_settings()
    profiles = _profiles(args.profile, settings)
    prompts_dir = _prompts_dir(args.dir, settings)
    extra = partial(advertiser_prompts, settings)
    failed = False
    for profile in profiles:
        for lang in _languages_to_check(profile, args.lang, prompts_dir):
            problems = language_problems(prompts_dir, profile, lang, extra)
            for problem in problems:
                print(problem)
            failed = failed or bool(problems)
            if not problems:
                count = len(required_prompts(profile, extra(lang)))
                print(
                    f"{count} prompts in {prompts_dir / lang} are fine for profile "
                    f"{profile.name} (8 kHz mono 16-bit PCM, audible, at most "
                    f"{profile.max_prompt_seconds:g} s; marks measured on these WAVs)"
                )
    return 1 if failed else 0


def _profiles(names: list[str] | None, settings: Settings) -> list[Profile]:
    if not names:
        return [configured_profile(settings)]
    try:
        return [load_profile(name) for name in dict.fromkeys(names)]
    except ValueError as exc:
        raise ConfigError(f"--profile: {exc}") from exc


def _languages_to_check(profile: Profile, lang: str | None, prompts_dir: Path) -> list[str]:
    languages = spoken_languages(prompts_dir, profile)
    if lang is None:
        return list(languages)
    if lang not in languages and not has_prompts(prompts_dir, lang):
        print(
            f"ivr: warning: language {lang!r} is missing in {prompts_dir}; "
            f"calls fall back to {languages[0]!r}, checking those",
            file=sys.stderr,
        )
        return [languages[0]]
    return [lang]


def run_mark(args: argparse.Namespace) -> int:
    prompts_dir = _prompts_dir(args.dir)
    lang_dir = prompts_dir / args.lang
    try:
        played = played_wav(lang_dir, args.name)
        offered = dict(load_offered(prompts_dir, args.lang))
    except (OfferedError, ManifestError) as exc:
        return fail(str(exc))
    if played is None:
        return fail(f"{lang_dir / args.name}.wav: no such prompt (nor in manifest.toml)")
    wav, _ = played
    if args.ms < 0 or (wav.length_ms is not None and args.ms > wav.length_ms):
        return fail(f"MS must be between 0 and the WAV's length ({wav.length_ms} ms)")
    before = offered.get(args.name)
    kept = dict(before.marks) if before is not None and before.sha256 == wav.sha256 else {}
    dropped = sorted(set(before.marks) - set(kept) - {args.key}) if before is not None else []
    offered[args.name] = PromptMarks(wav.sha256, {**kept, args.key: args.ms})
    path = write_offered(prompts_dir, args.lang, offered)
    print(f"{path}: [{args.name}] {args.key} = {args.ms}")
    if dropped:
        print(
            f"ivr: warning: [{args.name}] {', '.join(dropped)}: dropped, measured on another "
            "recording; set them again (`ivr prompts check` lists what is missing)",
            file=sys.stderr,
        )
    return 0


def run_install(args: argparse.Namespace) -> int:
    prompts_dir = _prompts_dir(args.dir)
    languages = args.lang or languages_in(prompts_dir)
    if not languages:
        return fail(f"{prompts_dir}: no prompts to install")
    for lang in dict.fromkeys(languages):
        try:
            done = install_language(prompts_dir, lang, args.sounds_dir)
        except InstallError as exc:
            return fail(str(exc))
        print(
            f"installed {done.files} files of {lang!r} in {done.folder} "
            f"(play as sound:ivr/{lang}/<name>); {len(done.wavs)} prompts in {done.manifest}"
        )
    return 0


def run_manifest(args: argparse.Namespace) -> int:
    prompts_dir = _prompts_dir(args.dir)
    source_root = args.sounds_dir / SOUNDS_SUBFOLDER if args.sounds_dir is not None else prompts_dir
    languages = args.lang or languages_in(source_root)
    if not languages:
        return fail(f"{source_root}: no prompts (WAV files) found")
    for lang in dict.fromkeys(languages):
        source = source_root / lang
        wavs = scan_wavs(source)
        if not wavs:
            return fail(f"{source}: no prompts (WAV files) found")
        path = write_manifest(prompts_dir / lang, lang, wavs, str(source))
        print(f"{path}: {len(wavs)} prompts of {lang!r} from {source}")
    return 0
