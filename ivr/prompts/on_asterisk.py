"""Are the prompts installed on Asterisk? Asked over ARI (docs/design.md §10.1, §14.13).

Asterisk indexes its sounds with the first folder under the sounds directory as the
language: ``sounds/ivr/nl/menu.wav`` is id ``nl/menu`` in language ``ivr``. So for media
``sound:A/B/C`` the service asks ``GET /ari/sounds/B%2FC`` and looks for language ``A``
in its ``formats``. At the first connection a missing prompt stops the start (exit 2,
unless allowed); after a reconnect it turns ``/readyz`` red (``prompts_missing``) and is
asked again until it is there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import structlog

from ivr.ari.errors import AriError, SoundNotFound
from ivr.ari.models import Sound
from ivr.prompts.lang import spoken_languages
from ivr.prompts.names import ExtraPrompts, PromptProfile, no_extra, required_prompts

log = structlog.get_logger(__name__)

CONCURRENT_LOOKUPS = 8
RECHECK_AFTER_S = 5.0
READY_DETAIL = "prompts_missing"


class SoundLookup(Protocol):
    async def sound(self, sound_id: str) -> Sound: ...


class Monotonic(Protocol):
    def monotonic(self) -> float: ...


class PromptsMissing(Exception):
    """Prompts are not installed on Asterisk; the message names them in one line."""

    def __init__(self, missing: Sequence[str]) -> None:
        super().__init__(missing)
        self.missing = tuple(missing)

    def __str__(self) -> str:
        return (
            f"{len(self.missing)} prompt(s) not installed on Asterisk: {', '.join(self.missing)} "
            "(install them with `ivr prompts install SOUNDS_DIR`, or start with "
            "--allow-missing-prompts)"
        )


def prompt_media(
    prompts_dir: Path,
    profiles: Iterable[PromptProfile],
    sound_prefix: str,
    extra: ExtraPrompts = no_extra,
) -> list[str]:
    """The media of every prompt a call under one of ``profiles`` may play, in each language."""
    media: list[str] = []
    for profile in profiles:
        for lang in spoken_languages(prompts_dir, profile):
            names = required_prompts(profile, extra(lang))
            media += [f"{sound_prefix}/{lang}/{name}" for name in names]
    return list(dict.fromkeys(media))


def sound_of(media: str) -> tuple[str, str | None]:
    """``sound:ivr/nl/menu`` -> (``nl/menu``, ``ivr``); ``sound:beep`` -> (``beep``, None)."""
    resource = media.removeprefix("sound:")
    first, slash, rest = resource.partition("/")
    return (rest, first) if slash and rest else (resource, None)


async def is_installed(ari: SoundLookup, media: str) -> bool:
    sound_id, language = sound_of(media)
    try:
        sound = await ari.sound(sound_id)
    except SoundNotFound:
        return False
    return language is None or sound.in_language(language)


async def missing_on_asterisk(ari: SoundLookup, media: Sequence[str]) -> list[str]:
    """The media Asterisk does not have, in the order given; other ARI errors propagate."""
    limit = asyncio.Semaphore(CONCURRENT_LOOKUPS)

    async def installed(item: str) -> bool:
        async with limit:
            return await is_installed(ari, item)

    found = await asyncio.gather(*(installed(item) for item in media))
    return [item for item, there in zip(media, found, strict=True) if not there]


@dataclass
class PromptWatch:
    """The service's view of its prompts on Asterisk, from connection to connection."""

    media: Sequence[str]
    allow_missing: bool = False
    missing: tuple[str, ...] | None = None
    """None until the first check succeeded."""
    checked_at: float | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def on_connected(self, ari: SoundLookup, clock: Monotonic) -> None:
        """Check every prompt. Missing ones at the first check raise :class:`PromptsMissing`
        (unless allowed); later they are logged and keep ``/readyz`` red."""
        first = self.missing is None
        try:
            missing = await self._check(ari, clock, self.media)
        except AriError as exc:
            log.warning("prompts.check_failed", error=str(exc))
            return
        if not missing:
            log.info("prompts.installed", count=len(self.media))
            return
        if first and not self.allow_missing:
            raise PromptsMissing(missing)
        log.error("prompts.missing", count=len(missing), missing=list(missing))

    async def ready(self, ari: SoundLookup, clock: Monotonic) -> bool | str:
        """True when every prompt is there; else ``prompts_missing`` (asked again, throttled)."""
        if (self.missing is None or self.missing) and self._due(clock):
            try:
                still = await self._check(
                    ari, clock, self.media if self.missing is None else self.missing
                )
            except AriError as exc:
                log.warning("prompts.check_failed", error=str(exc))
            else:
                if not still:
                    log.info("prompts.installed", count=len(self.media))
        if self.missing is None:
            return False
        return True if not self.missing else READY_DETAIL

    def _due(self, clock: Monotonic) -> bool:
        return self.checked_at is None or clock.monotonic() - self.checked_at >= RECHECK_AFTER_S

    async def _check(
        self, ari: SoundLookup, clock: Monotonic, media: Sequence[str]
    ) -> tuple[str, ...]:
        async with self._lock:
            missing = tuple(await missing_on_asterisk(ari, media))
            self.missing = missing
            self.checked_at = clock.monotonic()
            return missing
