"""Small WAV files made with the ``wave`` module, good or bad on purpose."""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path


def write_wav(
    path: Path,
    *,
    rate: int = 8000,
    channels: int = 1,
    width: int = 2,
    seconds: float = 0.5,
    amplitude: float = 0.5,
) -> Path:
    """A 440 Hz tone (``amplitude`` of full scale; 0 gives silence)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = bytearray()
    for i in range(int(rate * seconds)):
        value = amplitude * math.sin(2 * math.pi * 440 * i / rate)
        if width == 1:
            sample = struct.pack("<B", 128 + round(value * 127))
        else:
            sample = struct.pack("<h", round(value * 32767))
        frames += sample * channels
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(width)
        wav.setframerate(rate)
        wav.writeframes(bytes(frames))
    return path


def write_float_wav(path: Path, seconds: float = 0.2) -> Path:
    """32-bit IEEE float (format tag 3): a real WAV, but not PCM."""
    rate, count = 8000, int(8000 * seconds)
    data = b"".join(struct.pack("<f", 0.5 * math.sin(i / 3)) for i in range(count))
    fmt = struct.pack("<HHIIHH", 3, 1, rate, rate * 4, 4, 32)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(data)) + data
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path
