"""``ivr serve`` against a real ``ivr simulate`` process that lacks a prompt: exit 2, one line."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from ivr.cli import main
from ivr.demo import free_port

REPO = Path(__file__).resolve().parents[2]
AUTH = "Basic " + base64.b64encode(b"asterisk:asterisk").decode()


def answers(url: str) -> bool:
    request = urllib.request.Request(url, headers={"Authorization": AUTH})
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture
def simulator(tmp_path: Path) -> Iterator[str]:
    """``ivr simulate`` serving a copy of the prompts without nl/goodbye.wav."""
    prompts = Path(shutil.copytree(REPO / "prompts", tmp_path / "asterisk-prompts"))
    (prompts / "nl" / "goodbye.wav").unlink()
    port = free_port()
    ivr = Path(sys.executable).parent / "ivr"
    env = {k: v for k, v in os.environ.items() if not k.startswith("IVR_")}
    process = subprocess.Popen(
        [str(ivr), "simulate", "--port", str(port), "--prompts", str(prompts)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not answers(url + "/ari/asterisk/info"):
            assert process.poll() is None and time.monotonic() < deadline, "simulator not up"
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.usefixtures("clean_config")
def test_serve_refuses_to_start_naming_the_prompt_asterisk_lacks(
    simulator: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("IVR_ARI_URL", simulator)
    monkeypatch.setenv("IVR_DB", str(tmp_path / "ivr.sqlite3"))
    monkeypatch.setenv("IVR_PROMPTS_DIR", str(REPO / "prompts"))
    monkeypatch.setenv("IVR_HTTP_PORT", str(free_port()))
    monkeypatch.setenv("IVR_LOG_FORMAT", "json")
    assert main(["serve", "--connect-timeout", "60"]) == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last == (
        "ivr: 1 prompt(s) not installed on Asterisk: sound:ivr/nl/goodbye (install them with "
        "`ivr prompts install SOUNDS_DIR`, or start with --allow-missing-prompts)"
    )
