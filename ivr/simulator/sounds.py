"""How long a media URI plays, and whether it plays at all, as real Asterisk does it.

``sound:ivr/<lang>/<name>`` is ``<prompts>/<lang>/<name>.wav``; other sounds come from
the sounds directory (laid out like Asterisk's) or a table of the core sounds the
recorded traces use.  ``digits:``/``number:``/``characters:`` take about 0.45 s a
symbol.  An unknown ``sound:`` fails at once; an unknown scheme (or a missing
``recording:``) starts and never finishes; ``tone:`` plays until it is stopped.
"""

from __future__ import annotations

import enum
import wave
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

SECONDS_PER_SYMBOL = 0.45

CORE_SOUNDS: dict[str, float] = {
    "hello-world": 1.40,
    "demo-congrats": 30.0,
    "you-entered": 0.97,
    "goodbye": 0.93,
    "beep": 0.25,
    "vm-intro": 3.6,
    **{f"digits/{d}": SECONDS_PER_SYMBOL for d in range(10)},
}

# Bytes per second of Asterisk's headerless formats (gsm: 33 bytes per 20 ms frame).
_RAW_RATES = {".gsm": 1650.0, ".ulaw": 8000.0, ".alaw": 8000.0, ".sln": 16000.0, ".g722": 8000.0}


class MediaOutcome(enum.Enum):
    PLAYS = "plays"
    MISSING = "missing"
    NEVER_ENDS = "never_ends"
    ENDLESS = "endless"


@dataclass(frozen=True, slots=True)
class MediaPlan:
    outcome: MediaOutcome
    seconds: float = 0.0


_MISSING = MediaPlan(MediaOutcome.MISSING)
_NEVER_ENDS = MediaPlan(MediaOutcome.NEVER_ENDS)
_ENDLESS = MediaPlan(MediaOutcome.ENDLESS)


class SoundLibrary:
    def __init__(self, prompts_dir: Path | None, sounds_dir: Path | None) -> None:
        self.prompts_dir = prompts_dir
        self.sounds_dir = sounds_dir

    def plan(self, media_uri: str, language: str) -> MediaPlan:
        scheme, _, resource = media_uri.partition(":")
        if scheme == "sound":
            seconds = self.sound_seconds(resource, language)
            return _MISSING if seconds is None else MediaPlan(MediaOutcome.PLAYS, seconds)
        if scheme in ("digits", "number", "characters"):
            symbols = sum(1 for char in resource if char.isalnum() or char in "*#")
            return MediaPlan(MediaOutcome.PLAYS, SECONDS_PER_SYMBOL * max(symbols, 1))
        if scheme == "tone":
            return _ENDLESS
        return _NEVER_ENDS

    def sound_seconds(self, name: str, language: str) -> float | None:
        return _sound_seconds(self.prompts_dir, self.sounds_dir, name, language)


@lru_cache(maxsize=4096)
def _sound_seconds(
    prompts_dir: Path | None, sounds_dir: Path | None, name: str, language: str
) -> float | None:
    if ".." in Path(name).parts:
        return None
    if prompts_dir is not None and name.startswith("ivr/"):
        found = _file_seconds(prompts_dir / name.removeprefix("ivr/"))
        if found is not None:
            return found
    if sounds_dir is not None:
        for base in (sounds_dir / language, sounds_dir / "en", sounds_dir):
            found = _file_seconds(base / name)
            if found is not None:
                return found
    return CORE_SOUNDS.get(name)


def _file_seconds(stem: Path) -> float | None:
    wav = stem.with_name(stem.name + ".wav")
    if wav.is_file():
        try:
            with wave.open(str(wav), "rb") as audio:
                return audio.getnframes() / float(audio.getframerate())
        except (wave.Error, EOFError, OSError):
            return None
    for suffix, rate in _RAW_RATES.items():
        raw = stem.with_name(stem.name + suffix)
        if raw.is_file():
            return raw.stat().st_size / rate
    return None


# -- the sound index of GET /ari/sounds (docs/design.md §10.1) --------------------------------
# Asterisk takes the first folder under its sounds directory as a sound's language:
# our prompts (``<sounds>/ivr/<lang>/<name>.wav``) have id ``<lang>/<name>`` and language
# ``ivr``. An 8 kHz 16-bit WAV shows as format ``slin``.

_FORMATS = {".wav": "slin", ".gsm": "gsm", ".ulaw": "ulaw", ".alaw": "alaw", ".sln": "slin"}
_FORMATS |= {".g722": "g722", ".wav16": "slin16", ".sln16": "slin16"}
PROMPTS_LANGUAGE = "ivr"
CORE_LANGUAGE = "en"
CORE_FORMAT = "gsm"


def _language_folders(library: SoundLibrary) -> list[tuple[str, Path]]:
    folders: list[tuple[str, Path]] = []
    if library.prompts_dir is not None:
        folders.append((PROMPTS_LANGUAGE, library.prompts_dir))
    if library.sounds_dir is not None and library.sounds_dir.is_dir():
        folders += [
            (path.name, path)
            for path in sorted(library.sounds_dir.iterdir())
            if path.is_dir() and not (library.prompts_dir is not None and path.name == "ivr")
        ]
    return folders


def _formats_of(folder: Path, sound_id: str) -> list[str]:
    stem = folder / sound_id
    return sorted(
        {fmt for suffix, fmt in _FORMATS.items() if stem.with_name(stem.name + suffix).is_file()}
    )


def sound_description(library: SoundLibrary, sound_id: str) -> dict[str, object] | None:
    """``GET /sounds/{id}``: its formats in every language, or None when there are none."""
    if not sound_id or ".." in Path(sound_id).parts or sound_id.startswith("/"):
        return None
    pairs = [
        {"language": language, "format": fmt}
        for language, folder in _language_folders(library)
        for fmt in _formats_of(folder, sound_id)
    ]
    if sound_id in CORE_SOUNDS and not any(p["language"] == CORE_LANGUAGE for p in pairs):
        pairs.append({"language": CORE_LANGUAGE, "format": CORE_FORMAT})
    return {"id": sound_id, "formats": pairs} if pairs else None


def sound_list(
    library: SoundLibrary, language: str | None, fmt: str | None
) -> list[dict[str, object]]:
    """``GET /sounds?lang=&format=``: every sound with a file matching both, sorted by id."""
    found: dict[str, list[dict[str, str]]] = {}
    for lang, folder in _language_folders(library):
        for path in sorted(folder.rglob("*")):
            suffix = "".join(path.suffixes[-1:])
            if suffix not in _FORMATS or not path.is_file() or path.name.startswith("."):
                continue
            sound_id = path.relative_to(folder).with_suffix("").as_posix()
            found.setdefault(sound_id, []).append({"language": lang, "format": _FORMATS[suffix]})
    for name in CORE_SOUNDS:
        pairs = found.setdefault(name, [])
        if not any(pair["language"] == CORE_LANGUAGE for pair in pairs):
            pairs.append({"language": CORE_LANGUAGE, "format": CORE_FORMAT})
    matching: list[dict[str, object]] = []
    for sound_id in sorted(found):
        pairs = [
            pair
            for pair in found[sound_id]
            if (language is None or pair["language"] == language)
            and (fmt is None or pair["format"] == fmt)
        ]
        if pairs:
            matching.append({"id": sound_id, "formats": found[sound_id]})
    return matching
