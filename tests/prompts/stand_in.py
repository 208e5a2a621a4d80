"""A tiny profile with the attributes the prompt checks read, for tests of the checks alone."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class StandInCategory:
    id: str


@dataclass(frozen=True)
class StandInWording:
    menu: str = "menu"
    charities: str = "charities"


@dataclass(frozen=True)
class StandInProfile:
    name: str = "stand-in"
    prompts: tuple[str, ...] = ("welcome", "menu", "goodbye")
    categories: tuple[StandInCategory, ...] = field(
        default=(StandInCategory("energie"), StandInCategory("loterijen"))
    )
    max_prompt_seconds: float = 60.0
    languages: tuple[str, ...] = ("nl",)
    rights: tuple[str, ...] = ("recht_van_verzet",)
    statement_prompts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    wording: StandInWording = StandInWording()
