"""Is every prompt there and playable as Asterisk's ``slin``? (docs/design.md section 9)

A prompt must be a RIFF/WAVE file of 16-bit PCM, 8000 Hz, mono, audible, and no
longer than the profile allows. Samples are read with :mod:`wave` and
:mod:`array` (``audioop`` is deprecated).
"""

from __future__ import annotations

import math
import sys
import wave
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ivr.prompts.names import is_prompt_name

SAMPLE_RATE = 8000
CHANNELS = 1
SAMPLE_WIDTH = 2
FULL_SCALE = 32768
SILENT_PEAK_DBFS = -40.0
SILENT_RMS_DBFS = -60.0


@dataclass(frozen=True, slots=True)
class Problem:
    name: str
    path: Path
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass(frozen=True, slots=True)
class Loudness:
    peak_dbfs: float
    rms_dbfs: float

    @property
    def silent(self) -> bool:
        return self.peak_dbfs < SILENT_PEAK_DBFS or self.rms_dbfs < SILENT_RMS_DBFS


def check_prompts(lang_dir: Path, names: Iterable[str], max_seconds: float) -> list[Problem]:
    """The problems of the prompts ``names`` in ``lang_dir`` (e.g. ``prompts/nl``); [] if none."""
    if not lang_dir.is_dir():
        return [Problem(lang_dir.name, lang_dir, "no such prompts directory")]
    problems: list[Problem] = []
    for name in names:
        if not is_prompt_name(name):
            problems.append(Problem(name, lang_dir, f"{name!r} is not a valid prompt name"))
            continue
        problems.extend(check_prompt(name, lang_dir / f"{name}.wav", max_seconds))
    return problems


def check_prompt(name: str, path: Path, max_seconds: float) -> list[Problem]:
    if not path.is_file():
        return [Problem(name, path, "missing")]
    try:
        with path.open("rb") as handle:
            if not _is_riff_wave(handle.read(12)):
                return [Problem(name, path, "not a WAV file (no RIFF/WAVE header)")]
        with wave.open(str(path), "rb") as wav:
            params = wav.getparams()
            frames = wav.readframes(params.nframes)
    except wave.Error as exc:
        return [Problem(name, path, _unreadable(str(exc)))]
    except EOFError:
        return [Problem(name, path, "broken WAV file (cut short)")]
    except OSError as exc:
        return [Problem(name, path, f"cannot read: {exc.strerror}")]

    messages = _format_messages(params.framerate, params.nchannels, params.sampwidth)
    frame_count = len(frames) // max(1, params.sampwidth * params.nchannels)
    seconds = frame_count / params.framerate if params.framerate else 0.0
    if seconds > max_seconds:
        messages.append(f"{seconds:.1f} s long, the profile allows at most {max_seconds:g} s")
    if frame_count == 0:
        messages.append("no audio in it (0 samples)")
    elif not messages:
        messages.extend(_silence_messages(loudness(frames)))
    return [Problem(name, path, message) for message in messages]


def loudness(frames: bytes) -> Loudness:
    """Peak and RMS level of 16-bit little-endian PCM, in dB relative to full scale."""
    samples = array("h")
    samples.frombytes(frames[: len(frames) - len(frames) % 2])
    if sys.byteorder == "big":
        samples.byteswap()
    if not samples:
        return Loudness(-math.inf, -math.inf)
    peak = max(abs(min(samples)), abs(max(samples)))
    rms = math.sqrt(sum(sample * sample for sample in samples) / len(samples))
    return Loudness(_dbfs(peak), _dbfs(rms))


def _format_messages(rate: int, channels: int, width: int) -> list[str]:
    messages = []
    if rate != SAMPLE_RATE:
        messages.append(f"sample rate {rate} Hz, need {SAMPLE_RATE} Hz")
    if channels != CHANNELS:
        messages.append(f"{channels} channels, need mono (1 channel)")
    if width != SAMPLE_WIDTH:
        messages.append(f"{8 * width}-bit samples, need 16-bit")
    return messages


def _silence_messages(level: Loudness) -> list[str]:
    if not level.silent:
        return []
    if level.peak_dbfs == -math.inf:
        return ["silent (every sample is zero)"]
    return [
        f"silent or nearly (peak {level.peak_dbfs:.1f} dBFS, RMS {level.rms_dbfs:.1f} dBFS; "
        f"need a peak above {SILENT_PEAK_DBFS:g} dBFS and RMS above {SILENT_RMS_DBFS:g} dBFS)"
    ]


def _unreadable(reason: str) -> str:
    if reason.startswith("unknown format"):
        tag = reason.rsplit(":", 1)[-1].strip()
        return f"not PCM audio (WAV format tag {tag}), need 16-bit PCM"
    return f"broken WAV file ({reason})"


def _is_riff_wave(head: bytes) -> bool:
    return len(head) == 12 and head[:4] == b"RIFF" and head[8:] == b"WAVE"


def _dbfs(level: float) -> float:
    return 20 * math.log10(level / FULL_SCALE) if level > 0 else -math.inf
