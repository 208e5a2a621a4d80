"""``ivr prompts install``: copy a language's prompts into Asterisk's sounds folder.

``prompts/<lang>/`` goes to ``<sounds>/ivr/<lang>/`` (played as ``sound:ivr/<lang>/<name>``):
folders are made as needed (0755), every file is replaced whole (0644), and
``manifest.toml`` lists the WAVs copied with their SHA-256. Running it again gives the
same tree, never ``nl/nl``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ivr.prompts.files import copy_atomically
from ivr.prompts.manifest import MANIFEST_FILE, WavFile, describe_wav, wav_names, write_manifest

FOLDER_MODE = 0o755
SOUNDS_SUBFOLDER = "ivr"


class InstallError(Exception):
    """The prompts could not be installed; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class Installed:
    lang: str
    folder: Path
    files: int
    wavs: dict[str, WavFile]
    manifest: Path


def languages_in(prompts_dir: Path) -> list[str]:
    """The language folders of ``prompts_dir`` that hold WAVs."""
    if not prompts_dir.is_dir():
        return []
    return sorted(path.name for path in prompts_dir.iterdir() if path.is_dir() and wav_names(path))


def install_language(prompts_dir: Path, lang: str, sounds_dir: Path) -> Installed:
    source = prompts_dir / lang
    if not wav_names(source):
        raise InstallError(f"{source}: no prompts (WAV files) to install")
    if not sounds_dir.is_dir():
        raise InstallError(f"{sounds_dir}: no such folder (Asterisk's sounds folder)")
    target = sounds_dir / SOUNDS_SUBFOLDER / lang
    copied = 0
    try:
        _folder(sounds_dir / SOUNDS_SUBFOLDER)
        _folder(target)
        for path in sorted(source.rglob("*")):
            relative = path.relative_to(source)
            if path.name.startswith(".") or relative.as_posix() == MANIFEST_FILE:
                continue
            if path.is_dir():
                _folder(target / relative)
            elif path.is_file():
                copy_atomically(path, target / relative)
                copied += 1
        wavs = {name: describe_wav(target / f"{name}.wav") for name in wav_names(source)}
        manifest = write_manifest(target, lang, wavs, str(source))
    except OSError as exc:
        where = exc.filename or target
        raise InstallError(f"{where}: {exc.strerror or exc}") from exc
    return Installed(lang, target, copied, wavs, manifest)


def _folder(path: Path) -> None:
    path.mkdir(exist_ok=True)
    os.chmod(path, FOLDER_MODE)
