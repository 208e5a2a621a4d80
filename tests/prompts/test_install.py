"""``ivr prompts install SOUNDS_DIR`` and ``ivr prompts manifest``
(docs/design.md §10.1, §14.12)."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tomllib
from pathlib import Path

import pytest

from ivr.cli import main
from ivr.prompts.hashes import PromptHashes
from tests.prompts.wavs import write_wav

SHIPPED = Path(__file__).resolve().parents[2] / "prompts"


pytestmark = pytest.mark.usefixtures("clean_config")


def tree(root: Path) -> dict[str, tuple[str, int, str]]:
    """Every file and folder below ``root``: kind, permission bits, content hash."""
    found = {}
    for path in sorted(root.rglob("*")):
        mode = stat.S_IMODE(path.stat().st_mode)
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
        found[path.relative_to(root).as_posix()] = (
            "dir" if path.is_dir() else "file",
            mode,
            digest,
        )
    return found


def test_install_twice_gives_the_same_tree_and_never_nests_nl_in_nl(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sounds = tmp_path / "sounds"
    sounds.mkdir()
    assert main(["prompts", "install", str(sounds), "--dir", str(SHIPPED), "--lang", "nl"]) == 0
    first = tree(sounds)
    assert main(["prompts", "install", str(sounds), "--dir", str(SHIPPED), "--lang", "nl"]) == 0
    second = tree(sounds)
    manifest_line = "ivr/nl/manifest.toml"
    assert {k: v for k, v in first.items() if k != manifest_line} == {
        k: v for k, v in second.items() if k != manifest_line
    }
    assert not (sounds / "ivr" / "nl" / "nl").exists()
    assert first["ivr"][:2] == first["ivr/nl"][:2] == ("dir", 0o755)
    assert first["ivr/nl/advertisers"][:2] == ("dir", 0o755)
    assert first["ivr/nl/menu.wav"] == (
        "file",
        0o644,
        hashlib.sha256((SHIPPED / "nl" / "menu.wav").read_bytes()).hexdigest(),
    )
    assert all(mode == 0o644 for kind, mode, _ in second.values() if kind == "file")
    out = capsys.readouterr().out
    assert f"in {sounds / 'ivr' / 'nl'} (play as sound:ivr/nl/<name>)" in out


def test_install_replaces_a_changed_file_and_keeps_others_files(tmp_path: Path) -> None:
    sounds = tmp_path / "sounds"
    write_wav(sounds / "ivr" / "nl" / "menu.wav", seconds=0.1)
    write_wav(sounds / "ivr" / "nl" / "own-recording.wav", seconds=0.1)
    os.chmod(sounds / "ivr" / "nl", 0o700)
    assert main(["prompts", "install", str(sounds), "--dir", str(SHIPPED), "--lang", "nl"]) == 0
    installed = sounds / "ivr" / "nl"
    assert (installed / "menu.wav").read_bytes() == (SHIPPED / "nl" / "menu.wav").read_bytes()
    assert (installed / "own-recording.wav").is_file()
    assert stat.S_IMODE(installed.stat().st_mode) == 0o755


def test_install_writes_the_manifest_of_what_it_copied(tmp_path: Path) -> None:
    sounds = tmp_path / "sounds"
    sounds.mkdir()
    assert main(["prompts", "install", str(sounds), "--dir", str(SHIPPED)]) == 0
    for lang in ("nl", "en"):
        with (sounds / "ivr" / lang / "manifest.toml").open("rb") as handle:
            manifest = tomllib.load(handle)
        wavs = {
            p.relative_to(SHIPPED / lang).with_suffix("").as_posix()
            for p in (SHIPPED / lang).rglob("*.wav")
        }
        assert manifest["lang"] == lang
        assert set(manifest["prompts"]) == wavs
        menu = "menu" if lang == "nl" else "menu-dnc"
        wav = SHIPPED / lang / f"{menu}.wav"
        assert manifest["prompts"][menu]["sha256"] == hashlib.sha256(wav.read_bytes()).hexdigest()
        assert manifest["prompts"][menu]["bytes"] == wav.stat().st_size


def test_install_into_a_missing_sounds_folder_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no-sounds"
    assert main(["prompts", "install", str(missing), "--dir", str(SHIPPED)]) == 2
    assert capsys.readouterr().err == f"ivr: {missing}: no such folder (Asterisk's sounds folder)\n"


def test_a_service_without_wavs_takes_hashes_from_the_manifest_command(tmp_path: Path) -> None:
    sounds = tmp_path / "sounds"
    sounds.mkdir()
    assert main(["prompts", "install", str(sounds), "--dir", str(SHIPPED), "--lang", "nl"]) == 0
    service_prompts = tmp_path / "service-prompts"
    (service_prompts / "nl").mkdir(parents=True)
    shutil.copy(SHIPPED / "nl" / "offered.toml", service_prompts / "nl")
    assert main(["prompts", "manifest", str(sounds), "--dir", str(service_prompts)]) == 0
    hashes = PromptHashes.scan(service_prompts)
    digest = hashlib.sha256((SHIPPED / "nl" / "menu.wav").read_bytes()).hexdigest()
    assert hashes.sha256("nl", "menu") == (digest, "manifest")
    assert main(["prompts", "check", "--dir", str(service_prompts)]) == 0


def test_the_check_of_prompts_on_asterisk_names_what_the_manifest_lacks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sounds = tmp_path / "sounds"
    shutil.copytree(SHIPPED / "nl", sounds / "ivr" / "nl")
    (sounds / "ivr" / "nl" / "goodbye.wav").unlink()
    service_prompts = tmp_path / "service-prompts"
    assert main(["prompts", "manifest", str(sounds), "--dir", str(service_prompts)]) == 0
    capsys.readouterr()
    assert main(["prompts", "check", "--dir", str(service_prompts)]) == 1
    manifest = service_prompts / "nl" / "manifest.toml"
    assert capsys.readouterr().out.splitlines()[0] == (
        f"{manifest}: goodbye: not installed (not in manifest.toml)"
    )
