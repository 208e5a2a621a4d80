"""What was installed on Asterisk: ``manifest.toml`` beside the prompts
(docs/design.md §10.2, §14.12).

When the WAVs live only on Asterisk, the service still knows what each played prompt
was (its SHA-256) from the manifest that ``ivr prompts install`` or ``ivr prompts
manifest`` wrote::

    [prompts.menu]
    sha256 = "9f2c…"
    bytes = 362044
    length_ms = 22620
"""

from __future__ import annotations

import hashlib
import wave
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from ivr.prompts.files import SHA256, is_whole, read_toml, toml_key, write_text_atomically

MANIFEST_FILE = "manifest.toml"
WAV_SUFFIX = ".wav"


class ManifestError(ValueError):
    """``manifest.toml`` cannot be read or is malformed; the message says where, in one line."""


@dataclass(frozen=True, slots=True)
class WavFile:
    """One prompt's WAV as found on disk or listed in a manifest."""

    sha256: str
    bytes: int
    length_ms: int | None


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def wav_length_ms(path: Path) -> int | None:
    """The WAV's length in whole milliseconds, or None when it is not a readable WAV."""
    try:
        with wave.open(str(path), "rb") as audio:
            rate = audio.getframerate()
            return audio.getnframes() * 1000 // rate if rate else None
    except (wave.Error, EOFError, OSError):
        return None


def describe_wav(path: Path) -> WavFile:
    return WavFile(sha256_file(path), path.stat().st_size, wav_length_ms(path))


def wav_names(lang_dir: Path) -> list[str]:
    """The prompt names of the WAVs under ``lang_dir`` (``menu``, ``advertisers/acme``), sorted."""
    if not lang_dir.is_dir():
        return []
    return sorted(
        path.relative_to(lang_dir).with_suffix("").as_posix()
        for path in lang_dir.rglob(f"*{WAV_SUFFIX}")
        if path.is_file() and not path.name.startswith(".")
    )


def scan_wavs(lang_dir: Path) -> dict[str, WavFile]:
    """Every WAV under ``lang_dir`` by prompt name."""
    return {name: describe_wav(lang_dir / f"{name}{WAV_SUFFIX}") for name in wav_names(lang_dir)}


def load_manifest(lang_dir: Path) -> Mapping[str, WavFile]:
    """The prompts listed in ``lang_dir/manifest.toml``; empty when there is none."""
    path = lang_dir / MANIFEST_FILE
    prompts = (read_toml(path, ManifestError) or {}).get("prompts", {})
    if not isinstance(prompts, dict):
        raise ManifestError(f"{path}: [prompts] must be a table")
    return MappingProxyType({name: _entry(path, name, row) for name, row in prompts.items()})


def _entry(path: Path, name: str, row: object) -> WavFile:
    if not isinstance(row, dict):
        raise ManifestError(f"{path}: [prompts.{name}] must be a table")
    digest, size, length = row.get("sha256"), row.get("bytes"), row.get("length_ms")
    if not isinstance(digest, str) or not SHA256.fullmatch(digest):
        raise ManifestError(f"{path}: [prompts.{name}] needs sha256, 64 lower-case hex digits")
    if not is_whole(size):
        raise ManifestError(f"{path}: [prompts.{name}] needs bytes, a whole number")
    if length is not None and not is_whole(length):
        raise ManifestError(f"{path}: [prompts.{name}] length_ms must be a whole number")
    return WavFile(digest, size, length)


def render_manifest(lang: str, files: Mapping[str, WavFile], source: str) -> str:
    lines = [
        f"# The prompts of language {lang!r} as installed on Asterisk (from {source}).",
        "# Written by `ivr prompts install` or `ivr prompts manifest`; the service reads",
        "# the sha256 of a prompt from here when its WAV is not in IVR_PROMPTS_DIR.",
        "",
        f'lang = "{lang}"',
    ]
    for name in sorted(files):
        wav = files[name]
        key = toml_key(name)
        lines += ["", f"[prompts.{key}]", f'sha256 = "{wav.sha256}"', f"bytes = {wav.bytes}"]
        if wav.length_ms is not None:
            lines.append(f"length_ms = {wav.length_ms}")
    return "\n".join(lines) + "\n"


def write_manifest(lang_dir: Path, lang: str, files: Mapping[str, WavFile], source: str) -> Path:
    path = lang_dir / MANIFEST_FILE
    write_text_atomically(path, render_manifest(lang, files, source))
    return path
