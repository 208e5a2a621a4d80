"""Every recorded trace of real Asterisk 22.10.1 replays against the simulator."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.simulator.replay import run, trace_files

NOT_SIMULATED = {
    "f4b_core_handling_bridged_in_stasis": (
        "bridges are not simulated: the caller is alone in Stasis in every IVR call, so the "
        "simulator answers /bridges with 501 and cannot show the successful transfer that "
        "replaces the caller in a bridge"
    ),
}


def _cases() -> list[object]:
    files = trace_files()
    assert files, "the recorded traces are in tests/data/ari/traces"
    cases: list[object] = []
    for path in files:
        reason = NOT_SIMULATED.get(path.stem)
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
        cases.append(pytest.param(path, id=path.stem, marks=marks))
    return cases


@pytest.mark.parametrize("trace", _cases())
async def test_trace_replays_with_same_statuses_bodies_and_events(trace: Path) -> None:
    replay = await run(trace)
    assert replay.problems == []
