"""Which recording a played prompt was: its WAV's SHA-256 and where that came from.

``local``: hashed from the WAV in the prompts folder (at start); ``manifest``: read
from ``prompts/<lang>/manifest.toml`` when the WAVs live only on Asterisk.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from ivr.prompts.manifest import load_manifest, scan_wavs

HashSource = Literal["local", "manifest"]


class PromptHashes:
    """The SHA-256 of every prompt of every language under a prompts folder, read once."""

    def __init__(self, known: Mapping[tuple[str, str], tuple[str, HashSource]]) -> None:
        self._known = MappingProxyType(dict(known))

    @classmethod
    def scan(cls, prompts_dir: Path) -> PromptHashes:
        """Hash every WAV under ``prompts_dir/<lang>/``; a manifest fills in the rest.

        Raises :class:`ivr.prompts.manifest.ManifestError` for a malformed manifest.
        """
        known: dict[tuple[str, str], tuple[str, HashSource]] = {}
        languages = (
            sorted(p for p in prompts_dir.iterdir() if p.is_dir()) if prompts_dir.is_dir() else []
        )
        for lang_dir in languages:
            lang = lang_dir.name
            for name, listed in load_manifest(lang_dir).items():
                known[(lang, name)] = (listed.sha256, "manifest")
            for name, wav in scan_wavs(lang_dir).items():
                known[(lang, name)] = (wav.sha256, "local")
        return cls(known)

    def sha256(self, lang: str, name: str) -> tuple[str, HashSource] | None:
        """The hash of prompt ``name`` in ``lang`` and its source, or None when unknown."""
        return self._known.get((lang, name))

    def __len__(self) -> int:
        return len(self._known)
