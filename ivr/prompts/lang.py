"""Which language's prompts a call hears: one its profile speaks, else the profile's first.

A profile speaks the languages it names (``languages``; Dutch when it names none) and
every language whose folder holds the profile's menu prompt, so a translation is
added by adding its folder (the start-up check then wants it complete).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import structlog

from ivr.prompts.names import FALLBACK_LANGUAGE, PromptProfile, profile_languages

_LANGUAGE = re.compile(r"[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?")

log = structlog.get_logger()


def has_prompts(prompts_dir: Path, lang: str) -> bool:
    lang_dir = prompts_dir / lang
    return lang_dir.is_dir() and any(lang_dir.glob("*.wav"))


def spoken_languages(prompts_dir: Path, profile: PromptProfile) -> tuple[str, ...]:
    """The profile's languages, then those whose folder holds the profile's menu prompt."""
    declared = profile_languages(profile)
    menu = profile.wording.menu
    if not prompts_dir.is_dir():
        return declared
    found = sorted(
        path.name
        for path in prompts_dir.iterdir()
        if path.name not in declared
        and _LANGUAGE.fullmatch(path.name)
        and (path / f"{menu}.wav").is_file()
    )
    return (*declared, *found)


def why_not_language(
    prompts_dir: Path, lang: str, languages: Sequence[str] | None = None
) -> str | None:
    """Why ``lang`` cannot be played (``"invalid"``, ``"missing"``), or None when it can.

    ``lang`` comes from the dialplan (``Stasis(...,lang=…)``) and becomes part of a
    sound path, so anything that is not a plain language tag is refused. With
    ``languages`` (those the call's profile speaks) only those can be played.
    """
    if languages is not None:
        return None if lang in languages else _unplayable(lang)
    if lang == FALLBACK_LANGUAGE:
        return None
    if not _LANGUAGE.fullmatch(lang):
        return "invalid"
    return None if has_prompts(prompts_dir, lang) else "missing"


def _unplayable(lang: str) -> str:
    return "missing" if _LANGUAGE.fullmatch(lang) else "invalid"


def resolve_prompt_language(
    prompts_dir: Path, lang: str, languages: Sequence[str] | None = None
) -> str:
    """``lang`` when it can be played, else the first of ``languages`` (Dutch) with a warning."""
    reason = why_not_language(prompts_dir, lang, languages)
    if reason is None:
        return lang
    fallback = languages[0] if languages else FALLBACK_LANGUAGE
    log.warning(f"prompt_language_{reason}", lang=lang, fallback=fallback)
    return fallback
