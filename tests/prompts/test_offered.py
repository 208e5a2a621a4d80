"""offered.toml (the marks where a right is stated), the manifest, and the played WAVs' hashes."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from ivr.prompts.hashes import PromptHashes
from ivr.prompts.manifest import ManifestError, load_manifest, scan_wavs, write_manifest
from ivr.prompts.offered import (
    OfferedError,
    PromptMarks,
    load_offered,
    render_offered,
    write_offered,
)
from tests.prompts.wavs import write_wav

SHIPPED = Path(__file__).resolve().parents[2] / "prompts"
DIGEST = "ab" * 32


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("lang", "prompt", "keys"),
    [
        ("nl", "menu", {"recht_van_verzet", "bel_me_niet"}),
        ("nl", "menu-rvv-only", {"recht_van_verzet"}),
        ("nl", "offer-register", {"bel_me_niet"}),
        ("nl", "offer-rvv", {"recht_van_verzet"}),
        ("nl", "charities", {"asked"}),
    ],
)
def test_shipped_statement_prompts_have_their_marks_measured_on_the_shipped_wav(
    lang: str, prompt: str, keys: set[str]
) -> None:
    marks = load_offered(SHIPPED, lang)[prompt]
    wav = SHIPPED / lang / f"{prompt}.wav"
    assert marks.sha256 == sha256(wav)
    assert set(marks.marks) == keys
    length_ms = wav.stat().st_size // 16  # 8000 samples of 2 bytes a second
    assert all(0 < mark < length_ms for mark in marks.marks.values())


def test_menu_states_the_recht_van_verzet_before_the_register() -> None:
    menu = load_offered(SHIPPED, "nl")["menu"]
    recht_van_verzet, bel_me_niet = menu.at("recht_van_verzet"), menu.at("bel_me_niet")
    assert recht_van_verzet is not None and bel_me_niet is not None
    assert recht_van_verzet < bel_me_niet
    assert menu.at("do_not_call") is None


def test_offered_round_trips_through_its_file(tmp_path: Path) -> None:
    offered = {
        "menu": PromptMarks(DIGEST, {"bel_me_niet": 20, "recht_van_verzet": 10}),
        "advertisers/x": PromptMarks("cd" * 32, {"asked": 5}),
    }
    path = write_offered(tmp_path, "nl", offered)
    assert path == tmp_path / "nl" / "offered.toml"
    assert path.stat().st_mode & 0o777 == 0o644
    assert dict(load_offered(tmp_path, "nl")) == offered
    assert "[menu]\n" in render_offered(offered)


def test_no_offered_file_means_no_marks(tmp_path: Path) -> None:
    assert dict(load_offered(tmp_path, "nl")) == {}


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("[menu]\nrecht_van_verzet = 1\n", "needs sha256"),
        (f'[menu]\nsha256 = "{DIGEST}"\nrecht_van_verzetten = 1\n', "not one of"),
        (f'[menu]\nsha256 = "{DIGEST}"\nbel_me_niet = -1\n', "whole milliseconds"),
        (f'[menu]\nsha256 = "{DIGEST}"\nbel_me_niet = 1.5\n', "whole milliseconds"),
        ("menu = 3\n", "must be a table"),
        ("[menu\n", "offered.toml"),
    ],
)
def test_a_broken_offered_file_is_one_line_naming_it(
    tmp_path: Path, text: str, complaint: str
) -> None:
    (tmp_path / "nl").mkdir()
    (tmp_path / "nl" / "offered.toml").write_text(text, encoding="utf-8")
    with pytest.raises(OfferedError) as caught:
        load_offered(tmp_path, "nl")
    assert complaint in str(caught.value)
    assert str(tmp_path / "nl" / "offered.toml") in str(caught.value)
    assert "\n" not in str(caught.value)


def test_hashes_come_from_local_wavs_first_then_the_manifest(tmp_path: Path) -> None:
    local = write_wav(tmp_path / "prompts" / "nl" / "menu.wav")
    write_wav(tmp_path / "prompts" / "nl" / "advertisers" / "acme.wav", seconds=0.2)
    elsewhere = write_wav(tmp_path / "asterisk" / "goodbye.wav", seconds=0.3)
    files = {
        **scan_wavs(tmp_path / "asterisk"),
        "menu": scan_wavs(tmp_path / "asterisk")["goodbye"],
    }
    write_manifest(tmp_path / "prompts" / "nl", "nl", files, "test")
    hashes = PromptHashes.scan(tmp_path / "prompts")
    assert hashes.sha256("nl", "menu") == (sha256(local), "local")
    assert hashes.sha256("nl", "goodbye") == (sha256(elsewhere), "manifest")
    acme = tmp_path / "prompts" / "nl" / "advertisers" / "acme.wav"
    assert hashes.sha256("nl", "advertisers/acme") == (sha256(acme), "local")
    assert hashes.sha256("nl", "welcome") is None
    assert hashes.sha256("en", "menu") is None


def test_hashes_of_the_shipped_prompts_are_local(tmp_path: Path) -> None:
    hashes = PromptHashes.scan(SHIPPED)
    assert hashes.sha256("nl", "menu") == (sha256(SHIPPED / "nl" / "menu.wav"), "local")


def test_a_prompts_folder_without_wavs_takes_every_hash_from_its_manifest(tmp_path: Path) -> None:
    copy = Path(shutil.copytree(SHIPPED / "nl", tmp_path / "asterisk" / "nl"))
    write_manifest(tmp_path / "only-toml" / "nl", "nl", scan_wavs(copy), str(copy))
    hashes = PromptHashes.scan(tmp_path / "only-toml")
    assert hashes.sha256("nl", "menu") == (sha256(copy / "menu.wav"), "manifest")
    listed = load_manifest(tmp_path / "only-toml" / "nl")
    assert listed["menu"].bytes == (copy / "menu.wav").stat().st_size
    assert listed["menu"].length_ms == ((copy / "menu.wav").stat().st_size - 44) // 16


def test_a_broken_manifest_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "nl").mkdir()
    (tmp_path / "nl" / "manifest.toml").write_text('[prompts.menu]\nsha256 = "x"\n')
    with pytest.raises(ManifestError, match="needs sha256"):
        PromptHashes.scan(tmp_path)
