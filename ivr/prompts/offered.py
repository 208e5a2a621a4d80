"""Where a prompt has fully stated a right: ``prompts/<lang>/offered.toml``
(docs/design.md §10.2, §14.12).

``ivr prompts build`` measures each ``{offered:RIGHT}`` (and the charities question's
``{asked}``) mark in ``texts.toml`` and writes, per prompt, the marks in milliseconds
from the prompt's start together with the SHA-256 of the WAV they were measured on::

    [menu]
    sha256 = "9f2c…"
    recht_van_verzet = 9120
    bel_me_niet = 18040

A re-recorded WAV has another hash and needs new marks (``ivr prompts mark``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from ivr.prompts.files import SHA256, is_whole, read_toml, toml_key, write_text_atomically

OFFERED_FILE = "offered.toml"
ASKED = "asked"
"""The mark of the charities question: the point where it has been asked."""

RIGHTS = ("recht_van_verzet", "bel_me_niet", "do_not_call")
MARK_KEYS = (*RIGHTS, ASKED)


class OfferedError(ValueError):
    """``offered.toml`` cannot be read or is malformed; the message says where, in one line."""


@dataclass(frozen=True, slots=True)
class PromptMarks:
    """The marks of one prompt (ms from its start) and the hash of the WAV they fit."""

    sha256: str
    marks: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        object.__setattr__(self, "marks", MappingProxyType(dict(self.marks)))

    def at(self, key: str) -> int | None:
        """The mark of ``key`` (a right, or ``asked``) in ms, or None when this prompt has none."""
        return self.marks.get(key)


def offered_path(prompts_dir: Path, lang: str) -> Path:
    return prompts_dir / lang / OFFERED_FILE


def load_offered(prompts_dir: Path, lang: str) -> Mapping[str, PromptMarks]:
    """The marks of ``prompts_dir/<lang>/offered.toml`` by prompt name; empty when it is absent."""
    path = offered_path(prompts_dir, lang)
    data = read_toml(path, OfferedError) or {}
    return MappingProxyType(
        {name: _prompt_marks(path, name, table) for name, table in data.items()}
    )


def _prompt_marks(path: Path, name: str, table: object) -> PromptMarks:
    if not isinstance(table, dict):
        raise OfferedError(f"{path}: [{name}] must be a table")
    digest = table.get("sha256")
    if not isinstance(digest, str) or not SHA256.fullmatch(digest):
        raise OfferedError(f"{path}: [{name}] needs sha256, 64 lower-case hex digits")
    marks: dict[str, int] = {}
    for key, value in table.items():
        if key == "sha256":
            continue
        if key not in MARK_KEYS:
            raise OfferedError(f"{path}: [{name}] {key}: not one of {', '.join(MARK_KEYS)}")
        if not is_whole(value):
            raise OfferedError(f"{path}: [{name}] {key}: must be whole milliseconds (>= 0)")
        marks[key] = value
    return PromptMarks(digest, marks)


def render_offered(offered: Mapping[str, PromptMarks]) -> str:
    lines = [
        "# Where each prompt has fully stated a right (ms from the prompt's start), measured",
        "# on the WAV with this sha256. Written by `ivr prompts build`; `ivr prompts mark`",
        "# sets one by hand. A re-recorded WAV needs new marks.",
    ]
    for name in sorted(offered):
        prompt = offered[name]
        lines += ["", f"[{toml_key(name)}]", f'sha256 = "{prompt.sha256}"']
        lines += [f"{key} = {prompt.marks[key]}" for key in MARK_KEYS if key in prompt.marks]
    return "\n".join(lines) + "\n"


def write_offered(prompts_dir: Path, lang: str, offered: Mapping[str, PromptMarks]) -> Path:
    """Write ``offered.toml`` whole (a temporary file renamed over the old one)."""
    path = offered_path(prompts_dir, lang)
    write_text_atomically(path, render_offered(offered))
    return path
