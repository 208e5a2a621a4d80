"""The ``key=value`` arguments the dialplan gives ``Stasis(optout,…)``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

KNOWN_KEYS = frozenset({"advertiser", "number", "campaign", "agent", "script", "lang"})
MAX_VALUE_LENGTH = 200


@dataclass(frozen=True, slots=True)
class StasisArgs:
    advertiser: str | None = None
    number: str | None = None
    campaign: str | None = None
    agent: str | None = None
    script: str | None = None
    lang: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    ignored: tuple[str, ...] = ()


def parse_stasis_args(args: Sequence[str]) -> StasisArgs:
    """Split ``key=value`` args; the last of a repeated key wins.

    An argument without ``=`` is ignored (and reported in ``ignored``); an
    unknown key is kept in ``extra``; empty values count as absent; values are
    cut at 200 characters so a broken dialplan cannot bloat the evidence.
    """
    known: dict[str, str] = {}
    extra: dict[str, str] = {}
    ignored: list[str] = []
    for arg in args:
        key, sep, value = arg.partition("=")
        key = key.strip()
        if not sep or not key:
            ignored.append(arg[:MAX_VALUE_LENGTH])
            continue
        value = value.strip()[:MAX_VALUE_LENGTH]
        target = known if key in KNOWN_KEYS else extra
        if value:
            target[key[:MAX_VALUE_LENGTH]] = value
        else:
            target.pop(key, None)
    return StasisArgs(
        advertiser=known.get("advertiser"),
        number=known.get("number"),
        campaign=known.get("campaign"),
        agent=known.get("agent"),
        script=known.get("script"),
        lang=known.get("lang"),
        extra=extra,
        ignored=tuple(ignored),
    )
