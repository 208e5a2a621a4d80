"""One live ``ivr serve`` per Asterisk (docs/design.md 15.36): real processes, each backend."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.processes import readyz, simulated_asterisk, start_serve, wait_ready

ENTITY_ID = "02:fc:00:00:1e:a5"


@pytest.fixture
def asterisk() -> Iterator[int]:
    with simulated_asterisk("--entity-id", ENTITY_ID) as port:
        yield port


def test_a_second_serve_of_the_same_asterisk_refuses_and_a_killed_one_restarts(
    asterisk: int, db_url: str, tmp_path: Path
) -> None:
    first, first_port = start_serve(asterisk, db_url, tmp_path)
    started = [first]
    try:
        wait_ready(first, first_port)

        second, _ = start_serve(asterisk, db_url, tmp_path)
        started.append(second)
        _, err = second.communicate(timeout=90)
        assert second.returncode == 2, err[-2000:]
        said = [line for line in err.splitlines() if line.startswith("ivr:")]
        assert len(said) == 1 and ENTITY_ID in said[0], err[-2000:]
        still = readyz(first_port)
        assert still is not None and still[0] == 200, still

        first.send_signal(signal.SIGKILL)
        first.wait(30)
        third, third_port = start_serve(asterisk, db_url, tmp_path)
        started.append(third)
        wait_ready(third, third_port)
        third.send_signal(signal.SIGTERM)
        _, err = third.communicate(timeout=60)
        assert third.returncode == 0, err[-2000:]
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
                process.communicate()
