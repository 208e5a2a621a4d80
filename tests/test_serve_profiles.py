"""``ivr serve`` starts with every shipped profile: its prompts are there and Asterisk has them."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.processes import simulated_asterisk, start_serve, wait_ready

PROFILES = ["nl-ctm2012", "nl-2021", "nl-2026", "us-tcpa", "nl"]


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
        wait_ready(serve, http_port)
    finally:
        serve.send_signal(signal.SIGTERM)
        try:
            _, err = serve.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            serve.kill()
            _, err = serve.communicate()
    assert serve.returncode == 0, err[-2000:]
    assert "Traceback" not in err
