"""Is a profile's every prompt there, in every language it speaks, with its marks?
(docs/design.md §14.14)

Per (profile, language): each prompt the profile may play is a playable WAV in
``<prompts>/<lang>/`` (or, when the WAVs live only on Asterisk, listed in that folder's
``manifest.toml``), and each statement prompt has its marks, measured on that WAV.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ivr.prompts.check import Problem, check_prompts
from ivr.prompts.lang import spoken_languages
from ivr.prompts.manifest import MANIFEST_FILE, ManifestError, load_manifest, wav_names
from ivr.prompts.marks import mark_problems, statement_marks
from ivr.prompts.names import ExtraPrompts, PromptProfile, no_extra, required_prompts
from ivr.prompts.offered import OfferedError, load_offered


def lives_on_asterisk(lang_dir: Path) -> bool:
    """No WAVs here, only the manifest of those installed on Asterisk."""
    return (lang_dir / MANIFEST_FILE).is_file() and not wav_names(lang_dir)


def language_problems(
    prompts_dir: Path, profile: PromptProfile, lang: str, extra: ExtraPrompts = no_extra
) -> list[Problem]:
    """What is missing or wrong for calls under ``profile`` in ``lang``; [] if nothing."""
    lang_dir = prompts_dir / lang
    names = required_prompts(profile, extra(lang))
    try:
        if lives_on_asterisk(lang_dir):
            listed = load_manifest(lang_dir)
            manifest = lang_dir / MANIFEST_FILE
            problems = [
                Problem(name, manifest, f"{name}: not installed (not in {MANIFEST_FILE})")
                for name in names
                if name not in listed
            ]
        else:
            problems = check_prompts(lang_dir, names, profile.max_prompt_seconds)
        if lang_dir.is_dir():
            offered = load_offered(prompts_dir, lang)
            problems += mark_problems(lang_dir, offered, statement_marks(profile))
    except (OfferedError, ManifestError) as exc:
        problems.append(Problem(lang, lang_dir, str(exc)))
    return problems


def missing_or_bad_prompts(
    prompts_dir: Path, profiles: Sequence[PromptProfile], extra: ExtraPrompts = no_extra
) -> list[Problem]:
    """The start-up check: every language of every profile the service may run."""
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for profile in profiles:
        for lang in spoken_languages(prompts_dir, profile):
            if (profile.name, lang) not in seen:
                seen.add((profile.name, lang))
                problems += language_problems(prompts_dir, profile, lang, extra)
    return list(dict.fromkeys(problems))
