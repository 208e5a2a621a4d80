"""Which prompts a profile needs (docs/design.md section 9)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ivr.config import Settings

DIGIT_PROMPTS = tuple(f"digit-{digit}" for digit in range(10))
FALLBACK_LANGUAGE = "nl"
ENGLISH = "en"

ExtraPrompts = Callable[[str], Iterable[str]]
"""Prompts named outside the profile (the advertisers'), for calls in a language."""


def no_extra(lang: str) -> tuple[str, ...]:
    return ()


class HasId(Protocol):
    @property
    def id(self) -> str: ...


class PromptProfile(Protocol):
    """What the prompt checks read from a profile (``ivr.flow.profile.Profile``)."""

    @property
    def name(self) -> str: ...

    @property
    def prompts(self) -> Sequence[str]: ...

    @property
    def categories(self) -> Sequence[HasId]: ...

    @property
    def max_prompt_seconds(self) -> float: ...

    @property
    def languages(self) -> Sequence[str]: ...

    @property
    def rights(self) -> Sequence[str]: ...

    @property
    def statement_prompts(self) -> Mapping[str, Sequence[str]]: ...

    @property
    def wording(self) -> StatementWording: ...


class StatementWording(Protocol):
    """The menu (whose folder makes a language spoken) and the charities question."""

    @property
    def menu(self) -> str: ...

    @property
    def charities(self) -> str: ...


def profile_languages(profile: PromptProfile) -> tuple[str, ...]:
    """The languages a profile's calls are spoken in (Dutch when it names none)."""
    return tuple(profile.languages) or (FALLBACK_LANGUAGE,)


def category_prompt(category_id: str) -> str:
    return f"category-{category_id}"


def required_prompts(profile: PromptProfile, extra: Iterable[str] = ()) -> list[str]:
    """Every prompt a call under ``profile`` may play, in a stable order without repeats.

    ``extra`` adds prompts named elsewhere, such as the advertisers' ``name_prompt``.
    """
    names = [
        *profile.prompts,
        *(category_prompt(category.id) for category in profile.categories),
        *DIGIT_PROMPTS,
        *extra,
    ]
    return list(dict.fromkeys(names))


def is_prompt_name(name: str) -> bool:
    """A relative path inside a language folder, such as ``menu`` or ``advertisers/acme``."""
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and "\\" not in name


def advertiser_prompts(settings: Settings, lang: str | None = None) -> list[str]:
    """The prompts the configured advertisers name for calls in ``lang`` (every language:
    None): in English their ``name_prompt_en``, else their ``name_prompt`` and
    ``contact_prompt`` (docs/design.md §14.13, §14.15, §14.16)."""
    names: list[str | None] = []
    for advertiser in settings.advertisers.values():
        if lang is None or lang == ENGLISH:
            names.append(advertiser.name_prompt_en)
        if lang != ENGLISH:
            names += [advertiser.name_prompt, advertiser.contact_prompt]
    return list(dict.fromkeys(name for name in names if name))
