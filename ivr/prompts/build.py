"""Make the prompt WAVs from their texts with espeak-ng and sox (DESIGN.md section 9).

espeak-ng speaks each text slowly in the language's voice; sox trims its
silences, normalises the level, resamples to 8 kHz mono 16-bit PCM and adds a
short lead-in and tail. Each file is written whole or not at all.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from ivr.prompts.check import SAMPLE_RATE
from ivr.prompts.names import is_prompt_name

INSTALL_HINT = "install espeak-ng and sox (Debian: apt-get install espeak-ng sox)"
SPEECH_RATE_WPM = 140
WORD_GAP_10MS = 2
PEAK_DBFS = -3
PAD_SECONDS = 0.1
TRIM_THRESHOLD = "0.5%"

_TEXTS = TypeAdapter(dict[str, str])


class PromptBuildError(Exception):
    """Building prompts failed; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class Tools:
    espeak_ng: str
    sox: str


def find_tools() -> Tools:
    espeak_ng, sox = shutil.which("espeak-ng"), shutil.which("sox")
    if espeak_ng is None or sox is None:
        raise PromptBuildError(INSTALL_HINT)
    return Tools(espeak_ng, sox)


def load_texts(texts: Path) -> dict[str, str]:
    """``name = "text"`` from a ``texts.toml``."""
    try:
        with texts.open("rb") as handle:
            found = _TEXTS.validate_python(tomllib.load(handle))
    except OSError as exc:
        raise PromptBuildError(f"{texts}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise PromptBuildError(f"{texts}: {exc}") from exc
    except ValidationError as exc:
        where = ", ".join(".".join(map(str, error["loc"])) for error in exc.errors())
        raise PromptBuildError(f"{texts}: every value must be a text; not: {where}") from exc
    bad = [name for name in found if not is_prompt_name(name)]
    if bad:
        raise PromptBuildError(f"{texts}: not valid prompt names: {', '.join(map(repr, bad))}")
    return found


def build_prompts(
    texts: Path, out_dir: Path, only: set[str] | None = None, voice: str = "nl"
) -> list[Path]:
    """Write ``out_dir/<name>.wav`` for every text (or for the names in ``only``)."""
    tools = find_tools()
    chosen = load_texts(texts)
    if only is not None:
        unknown = sorted(only - chosen.keys())
        if unknown:
            raise PromptBuildError(f"{texts} has no text for: {', '.join(unknown)}")
        chosen = {name: text for name, text in chosen.items() if name in only}
    return [speak(tools, text, out_dir / f"{name}.wav", voice) for name, text in chosen.items()]


def speak(tools: Tools, text: str, out: Path, voice: str) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ivr-prompt-") as work:
        text_file, spoken, made = (
            Path(work, part) for part in ("text.txt", "speech.wav", "out.wav")
        )
        text_file.write_text(text, encoding="utf-8")
        _run(_espeak_command(tools, voice, text_file, spoken), out)
        _run([tools.sox, "-R", str(spoken), *_slin_output(made), *_sox_effects()], out)
        fd, partial = tempfile.mkstemp(dir=out.parent, prefix=f".{out.stem}-", suffix=".wav")
        os.close(fd)
        shutil.copyfile(made, partial)
        os.chmod(partial, 0o644)
        os.replace(partial, out)
    return out


def _espeak_command(tools: Tools, voice: str, text_file: Path, out: Path) -> list[str]:
    rate, gap = str(SPEECH_RATE_WPM), str(WORD_GAP_10MS)
    return [
        tools.espeak_ng,
        "-v",
        voice,
        "-s",
        rate,
        "-g",
        gap,
        "-f",
        str(text_file),
        "-w",
        str(out),
    ]


def _slin_output(path: Path) -> list[str]:
    return ["-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", "-e", "signed-integer", str(path)]


def _sox_effects() -> list[str]:
    trim = ["silence", "1", "0.01", TRIM_THRESHOLD]
    pad = str(PAD_SECONDS)
    return [*trim, "reverse", *trim, "reverse", "norm", str(PEAK_DBFS), "pad", pad, pad]


def _run(command: list[str], out: Path) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        tool = Path(command[0]).name
        detail = result.stderr.strip().splitlines()[-1:] or [f"exit {result.returncode}"]
        raise PromptBuildError(f"{tool} failed for {out.name}: {detail[0]}")
