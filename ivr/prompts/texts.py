"""``texts.toml``: what each prompt says, with the marks where a right has been stated.

A text may hold ``{offered:RIGHT}`` (the right has been fully stated here) and
``{asked}`` (the charities question has been asked here). The marks are not spoken;
``ivr prompts build`` measures where they fall (docs/design.md §10.2).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from ivr.prompts.names import is_prompt_name
from ivr.prompts.offered import ASKED, RIGHTS

_TEXTS = TypeAdapter(dict[str, str])
_MARK = re.compile(r"\{([^{}]*)\}")


class TextsError(ValueError):
    """``texts.toml`` cannot be read or is malformed; the message says where, in one line."""


@dataclass(frozen=True, slots=True)
class Mark:
    key: str
    """A right (``recht_van_verzet``, ``bel_me_niet``, ``do_not_call``) or ``asked``."""

    before: str
    """The spoken text up to the mark."""


@dataclass(frozen=True, slots=True)
class PromptText:
    spoken: str
    marks: tuple[Mark, ...] = ()


def parse_text(text: str) -> PromptText:
    """The spoken text without marks, and each mark with the text before it."""
    pieces: list[str] = []
    marks: list[Mark] = []
    position = 0
    for found in _MARK.finditer(text):
        pieces.append(text[position : found.start()])
        position = found.end()
        key = _mark_key(found.group(1))
        if key in (mark.key for mark in marks):
            raise ValueError(f"mark {found.group(0)} appears twice")
        marks.append(Mark(key, _spoken("".join(pieces))))
    pieces.append(text[position:])
    spoken = _spoken("".join(pieces))
    if "{" in spoken or "}" in spoken:
        raise ValueError("a '{' or '}' that is not a mark such as {offered:recht_van_verzet}")
    return PromptText(spoken, tuple(marks))


def _mark_key(inner: str) -> str:
    if inner == ASKED:
        return ASKED
    kind, _, right = inner.partition(":")
    if kind == "offered" and right in RIGHTS:
        return right
    allowed = ", ".join([*(f"{{offered:{right}}}" for right in RIGHTS), f"{{{ASKED}}}"])
    raise ValueError(f"unknown mark {{{inner}}}; marks are {allowed}")


def _spoken(text: str) -> str:
    return " ".join(text.split())


def load_texts(texts: Path) -> dict[str, PromptText]:
    """Every prompt of a ``texts.toml``, by name."""
    try:
        with texts.open("rb") as handle:
            found = _TEXTS.validate_python(tomllib.load(handle))
    except OSError as exc:
        raise TextsError(f"{texts}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise TextsError(f"{texts}: {exc}") from exc
    except ValidationError as exc:
        where = ", ".join(".".join(map(str, error["loc"])) for error in exc.errors())
        raise TextsError(f"{texts}: every value must be a text; not: {where}") from exc
    bad = [name for name in found if not is_prompt_name(name)]
    if bad:
        raise TextsError(f"{texts}: not valid prompt names: {', '.join(map(repr, bad))}")
    parsed: dict[str, PromptText] = {}
    for name, text in found.items():
        try:
            parsed[name] = parse_text(text)
        except ValueError as exc:
            raise TextsError(f"{texts}: {name}: {exc}") from exc
    return parsed
