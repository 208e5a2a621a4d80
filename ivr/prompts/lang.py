"""Which language's prompts a call hears: its own when they exist, else Dutch."""

from __future__ import annotations

import re
from pathlib import Path

import structlog

from ivr.prompts.names import FALLBACK_LANGUAGE

_LANGUAGE = re.compile(r"[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?")

log = structlog.get_logger()


def has_prompts(prompts_dir: Path, lang: str) -> bool:
    lang_dir = prompts_dir / lang
    return lang_dir.is_dir() and any(lang_dir.glob("*.wav"))


def other_languages(prompts_dir: Path) -> list[str]:
    """The languages besides Dutch that have prompts under ``prompts_dir``."""
    if not prompts_dir.is_dir():
        return []
    return sorted(
        path.name
        for path in prompts_dir.iterdir()
        if path.name != FALLBACK_LANGUAGE and has_prompts(prompts_dir, path.name)
    )


def why_not_language(prompts_dir: Path, lang: str) -> str | None:
    """Why ``lang`` cannot be played (``"invalid"`` or ``"missing"``), or None when it can.

    ``lang`` comes from the dialplan (``Stasis(...,lang=…)``) and becomes part of a
    sound path, so anything that is not a plain language tag is refused.
    """
    if lang == FALLBACK_LANGUAGE:
        return None
    if not _LANGUAGE.fullmatch(lang):
        return "invalid"
    if not has_prompts(prompts_dir, lang):
        return "missing"
    return None


def resolve_prompt_language(prompts_dir: Path, lang: str) -> str:
    """``lang`` when ``prompts_dir/<lang>`` holds prompts, else ``nl`` with a warning."""
    reason = why_not_language(prompts_dir, lang)
    if reason is None:
        return lang
    log.warning(f"prompt_language_{reason}", lang=lang, fallback=FALLBACK_LANGUAGE)
    return FALLBACK_LANGUAGE
