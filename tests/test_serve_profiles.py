"""``ivr serve`` starts with every shipped profile: its prompts are there and Asterisk has them."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from ivr.demo import free_port

REPO = Path(__file__).resolve().parents[1]
PROMPTS = str(REPO / "prompts")
PROFILES = ["nl-ctm2012", "nl-2021", "nl-2026", "us-tcpa", "nl"]


def _wait_for_port(port: int, deadline_s: float = 60.0) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port}")


def _readyz(port: int) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


@pytest.fixture(scope="module")
def asterisk() -> Iterator[int]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "ivr.cli", "simulate", "--port", str(port), "--prompts", PROMPTS],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port)
        yield port
    finally:
        process.terminate()
        process.wait(30)


@pytest.mark.parametrize("profile", PROFILES)
def test_serve_starts_and_is_ready_with_the_profile(
    profile: str, asterisk: int, tmp_path: Path
) -> None:
    http_port = free_port()
    env = {
        **{name: value for name, value in os.environ.items() if not name.startswith("IVR_")},
        "IVR_PROFILE": profile,
        "IVR_ARI_URL": f"http://127.0.0.1:{asterisk}",
        "IVR_DB": str(tmp_path / "ivr.sqlite3"),
        "IVR_PROMPTS_DIR": str(REPO / "prompts"),
        "IVR_HTTP_PORT": str(http_port),
        "IVR_LOG_FORMAT": "json",
    }
    serve = subprocess.Popen(
        [sys.executable, "-m", "ivr.cli", "serve", "--connect-timeout", "60"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        end = time.monotonic() + 90
        status, body = 0, {}
        while time.monotonic() < end and serve.poll() is None:
            with socket.socket() as probe:
                listening = probe.connect_ex(("127.0.0.1", http_port)) == 0
            if listening:
                status, body = _readyz(http_port)
                if status == 200:
                    break
            time.sleep(0.2)
        assert serve.poll() is None, (
            f"ivr serve exited {serve.returncode}: {serve.stderr and serve.stderr.read()}"
        )
        assert status == 200, body
    finally:
        serve.send_signal(signal.SIGTERM)
        try:
            _, err = serve.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            serve.kill()
            _, err = serve.communicate()
    assert serve.returncode == 0, err[-2000:]
    assert "Traceback" not in err
