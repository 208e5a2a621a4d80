"""Does every statement prompt carry its marks, measured on the WAV that is played?

A profile's statement prompts state its rights (``menu`` both, ``offer-register`` the
register, ``offer-rvv`` the recht van verzet, ``menu-rvv-only``, ``menu-dnc``); the
charities question is marked where it has been asked. ``offered.toml`` must have each
mark, no mark may lie beyond the WAV's end, and the WAV must be the one the marks were
measured on (docs/design.md §10.2, §14.12).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ivr.prompts.check import Problem
from ivr.prompts.manifest import MANIFEST_FILE, WavFile, describe_wav, load_manifest
from ivr.prompts.names import PromptProfile
from ivr.prompts.offered import ASKED, OFFERED_FILE, PromptMarks


def statement_marks(profile: PromptProfile) -> dict[str, tuple[str, ...]]:
    """Prompt name -> the marks it must carry under ``profile``: the rights each of its
    statement prompts states, and ``asked`` on the charities question when it has one."""
    found = {prompt: tuple(keys) for prompt, keys in profile.statement_prompts.items()}
    if "bel_me_niet" in profile.rights:
        charities = profile.wording.charities
        found[charities] = (*found.get(charities, ()), ASKED)
    return found


def played_wav(lang_dir: Path, name: str) -> tuple[WavFile, Path] | None:
    """The WAV of prompt ``name``: the local file, else its line in ``manifest.toml``."""
    local = lang_dir / f"{name}.wav"
    if local.is_file():
        return describe_wav(local), local
    listed = load_manifest(lang_dir).get(name)
    return None if listed is None else (listed, lang_dir / MANIFEST_FILE)


def mark_problems(
    lang_dir: Path, offered: Mapping[str, PromptMarks], required: Mapping[str, tuple[str, ...]]
) -> list[Problem]:
    """What is wrong with the marks of the prompts in ``required``; [] if nothing."""
    offered_file = lang_dir / OFFERED_FILE
    problems: list[Problem] = []
    for name, keys in required.items():
        marks = offered.get(name)
        missing = [key for key in keys if marks is None or marks.at(key) is None]
        if missing:
            what = ", ".join(missing)
            problems.append(Problem(name, offered_file, f"[{name}] has no mark for {what}"))
        if marks is None:
            continue
        played = played_wav(lang_dir, name)
        if played is None:
            continue  # the missing WAV itself is reported by the prompt check
        wav, where = played
        if wav.sha256 != marks.sha256:
            problems.append(
                Problem(
                    name,
                    offered_file,
                    f"[{name}] was measured on another recording (sha256 {marks.sha256[:12]}…, "
                    f"{where.name} has {wav.sha256[:12]}…): measure it again with "
                    f"`ivr prompts build` or set it with `ivr prompts mark`",
                )
            )
        for key, at in sorted(marks.marks.items()):
            if wav.length_ms is not None and at > wav.length_ms:
                problems.append(
                    Problem(
                        name,
                        offered_file,
                        f"[{name}] {key} = {at} ms is beyond the end of the WAV "
                        f"({wav.length_ms} ms)",
                    )
                )
    return problems
