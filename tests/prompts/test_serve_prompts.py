"""``ivr serve`` against a real ``ivr simulate`` process that lacks a prompt: exit 2, one line."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from ivr.cli import main
from ivr.ports import free_port
from tests.processes import PROMPTS, simulated_asterisk


@pytest.fixture
def simulator(tmp_path: Path) -> Iterator[str]:
    """``ivr simulate`` serving a copy of the prompts without nl/goodbye.wav."""
    prompts = Path(shutil.copytree(PROMPTS, tmp_path / "asterisk-prompts"))
    (prompts / "nl" / "goodbye.wav").unlink()
    with simulated_asterisk(prompts=prompts) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.mark.usefixtures("clean_config")
def test_serve_refuses_to_start_naming_the_prompt_asterisk_lacks(
    simulator: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("IVR_ARI_URL", simulator)
    monkeypatch.setenv("IVR_DB", str(tmp_path / "ivr.sqlite3"))
    monkeypatch.setenv("IVR_PROMPTS_DIR", str(PROMPTS))
    monkeypatch.setenv("IVR_HTTP_PORT", str(free_port()))
    monkeypatch.setenv("IVR_LOG_FORMAT", "json")
    assert main(["serve", "--connect-timeout", "60"]) == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last == (
        "ivr: 1 prompt(s) not installed on Asterisk: sound:ivr/nl/goodbye (install them with "
        "`ivr prompts install SOUNDS_DIR`, or start with --allow-missing-prompts)"
    )
