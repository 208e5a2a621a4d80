"""One live ``ivr serve`` per Asterisk (docs/design.md 15.36): real processes, each backend."""

from __future__ import annotations

import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.processes import simulated_asterisk, start_serve

ENTITY_ID = "02:fc:00:00:1e:a5"


def _ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as answer:
            return bool(answer.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture
def asterisk() -> Iterator[int]:
    with simulated_asterisk("--entity-id", ENTITY_ID) as port:
        yield port


def _until_ready(process: subprocess.Popen[str], port: int) -> None:
    end = time.monotonic() + 90
    while time.monotonic() < end and process.poll() is None:
        if _ready(port):
            return
        time.sleep(0.2)
    err = process.stderr.read() if process.poll() is not None and process.stderr else ""
    raise AssertionError(f"ivr serve not ready (exit {process.returncode}): {err[-2000:]}")


def test_a_second_serve_of_the_same_asterisk_refuses_and_a_killed_one_restarts(
    asterisk: int, db_url: str, tmp_path: Path
) -> None:
    first, first_port = start_serve(asterisk, db_url, tmp_path)
    started = [first]
    try:
        _until_ready(first, first_port)

        second, _ = start_serve(asterisk, db_url, tmp_path)
        started.append(second)
        _, err = second.communicate(timeout=90)
        assert second.returncode == 2, err[-2000:]
        said = [line for line in err.splitlines() if line.startswith("ivr:")]
        assert len(said) == 1 and ENTITY_ID in said[0], err[-2000:]
        assert _ready(first_port)

        first.send_signal(signal.SIGKILL)
        first.wait(30)
        third, third_port = start_serve(asterisk, db_url, tmp_path)
        started.append(third)
        _until_ready(third, third_port)
        third.send_signal(signal.SIGTERM)
        _, err = third.communicate(timeout=60)
        assert third.returncode == 0, err[-2000:]
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
                process.communicate()
