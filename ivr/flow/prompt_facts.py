"""What the evidence needs to know about the prompts: marks and WAV hashes, per language.

Read once per process (the prompts folder's ``offered.toml`` and WAVs, or its
``manifest.toml`` when the WAVs live only on Asterisk) and handed to every call's
machine as plain mappings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import structlog

from ivr.flow.state import Marks
from ivr.prompts.hashes import PromptHashes
from ivr.prompts.offered import OfferedError, load_offered

log = structlog.get_logger(__name__)

Fingerprints = Mapping[str, tuple[str, str]]


@dataclass
class PromptFacts:
    prompts_dir: Path
    names: tuple[str, ...]
    hashes: PromptHashes
    _marks: dict[str, Marks] = field(default_factory=dict)
    _prints: dict[str, Fingerprints] = field(default_factory=dict)

    @classmethod
    def load(cls, prompts_dir: Path, names: Iterable[str]) -> PromptFacts:
        try:
            hashes = PromptHashes.scan(prompts_dir)
        except ValueError as exc:
            log.error("prompt_hashes_unreadable", error=str(exc))
            hashes = PromptHashes({})
        return cls(prompts_dir, tuple(names), hashes)

    def marks(self, lang: str) -> Marks:
        """Prompt -> mark -> ms; empty when the language has no ``offered.toml``."""
        if lang not in self._marks:
            try:
                offered = load_offered(self.prompts_dir, lang)
            except OfferedError as exc:
                log.error("offered_marks_unreadable", error=str(exc))
                offered = {}
            self._marks[lang] = {name: dict(found.marks) for name, found in offered.items()}
        return self._marks[lang]

    def fingerprints(self, lang: str) -> Fingerprints:
        """Prompt -> (sha256, ``local`` or ``manifest``) for the prompts a call may play."""
        if lang not in self._prints:
            known: dict[str, tuple[str, str]] = {}
            for name in self.names:
                found = self.hashes.sha256(lang, name)
                if found is not None:
                    known[name] = (found[0], found[1])
            self._prints[lang] = known
        return self._prints[lang]
