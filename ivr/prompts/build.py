"""Make the prompt WAVs from their texts with espeak-ng and sox (docs/design.md §9, §10.2).

espeak-ng speaks each text slowly in the language's voice; sox trims its
silences, normalises the level, resamples to 8 kHz mono 16-bit PCM and adds a
short lead-in and tail. Each file is written whole or not at all. Where a text
marks the point a right has been stated (``{offered:RIGHT}``, ``{asked}``), the
text before the mark is spoken the same way and its length is the mark, written
to ``offered.toml`` with the SHA-256 of the WAV.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ivr.prompts.check import SAMPLE_RATE
from ivr.prompts.files import copy_atomically
from ivr.prompts.manifest import sha256_file, wav_length_ms
from ivr.prompts.offered import PromptMarks, load_offered, write_offered
from ivr.prompts.texts import PromptText, TextsError, load_texts

INSTALL_HINT = "install espeak-ng and sox (Debian: apt-get install espeak-ng sox)"
SPEECH_RATE_WPM = 140
WORD_GAP_10MS = 2
PEAK_DBFS = -3
PAD_SECONDS = 0.1
TRIM_THRESHOLD = "0.5%"
VOICES = {"nl": "nl", "en": "en-us"}
"""The espeak-ng voice of a language folder (any other folder name is taken as the voice)."""


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


def voice_for(lang: str) -> str:
    return VOICES.get(lang, lang)


def build_prompts(
    texts: Path, out_dir: Path, only: set[str] | None = None, voice: str = "nl"
) -> list[Path]:
    """Write ``out_dir/<name>.wav`` for every text (or for the names in ``only``), and the
    marks of the prompts built into ``out_dir/offered.toml`` (the others' marks are kept)."""
    tools = find_tools()
    try:
        chosen = load_texts(texts)
        previous = load_offered(out_dir.parent, out_dir.name)
    except (TextsError, ValueError) as exc:
        raise PromptBuildError(str(exc)) from exc
    if only is not None:
        unknown = sorted(only - chosen.keys())
        if unknown:
            raise PromptBuildError(f"{texts} has no text for: {', '.join(unknown)}")
        chosen = {name: text for name, text in chosen.items() if name in only}
    offered = {name: marks for name, marks in previous.items() if name not in chosen}
    built: list[Path] = []
    for name, text in chosen.items():
        wav = speak(tools, text.spoken, out_dir / f"{name}.wav", voice)
        built.append(wav)
        if text.marks:
            offered[name] = measure_marks(tools, text, wav, voice)
    if offered or previous:
        write_offered(out_dir.parent, out_dir.name, offered)
    return built


def measure_marks(tools: Tools, text: PromptText, wav: Path, voice: str) -> PromptMarks:
    """Each mark's offset: the length of the text before it, spoken and trimmed the same way
    (its lead-in included, and its tail: a mark errs late, never early)."""
    marks: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="ivr-mark-") as work:
        for number, mark in enumerate(text.marks):
            before = speak(tools, mark.before, Path(work, f"before-{number}.wav"), voice)
            length = wav_length_ms(before)
            if length is None:
                raise PromptBuildError(f"cannot measure the text before {mark.key} of {wav.name}")
            marks[mark.key] = length
    return PromptMarks(sha256_file(wav), marks)


def speak(tools: Tools, text: str, out: Path, voice: str) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ivr-prompt-") as work:
        text_file, spoken, made = (
            Path(work, part) for part in ("text.txt", "speech.wav", "out.wav")
        )
        text_file.write_text(text, encoding="utf-8")
        _run(_espeak_command(tools, voice, text_file, spoken), out)
        _run([tools.sox, "-R", str(spoken), *_slin_output(made), *_sox_effects()], out)
        copy_atomically(made, out)
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
