"""A tiny profile with the attributes the prompt checks read, for tests of the checks alone."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class StandInCategory:
    id: str


@dataclass(frozen=True)
class StandInProfile:
    name: str = "stand-in"
    prompts: tuple[str, ...] = ("welcome", "menu", "goodbye")
    categories: tuple[StandInCategory, ...] = field(
        default=(StandInCategory("energie"), StandInCategory("loterijen"))
    )
    max_prompt_seconds: float = 60.0
