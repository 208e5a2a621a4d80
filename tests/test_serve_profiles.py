"""``ivr serve`` starts with every shipped profile: its prompts are there and Asterisk has them."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.processes import simulated_asterisk, start_serve

PROFILES = ["nl-ctm2012", "nl-2021", "nl-2026", "us-tcpa", "nl"]


def _readyz(port: int) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


@pytest.fixture(scope="module")
def asterisk() -> Iterator[int]:
    with simulated_asterisk() as port:
        yield port


@pytest.mark.parametrize("profile", PROFILES)
def test_serve_starts_and_is_ready_with_the_profile(
    profile: str, asterisk: int, tmp_path: Path
) -> None:
    db = str(tmp_path / "ivr.sqlite3")
    serve, http_port = start_serve(asterisk, db, tmp_path, IVR_PROFILE=profile)
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
