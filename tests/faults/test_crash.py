"""The crash proof, short: real ``ivr simulate`` and ``ivr serve`` processes, the service
SIGKILLed three times while calls are in flight (``benchmarks/crash.py`` runs it at
full size: 300 calls, 10 kills)."""

from __future__ import annotations

from pathlib import Path

from benchmarks.crash import crash_run, problems


async def test_sigkill_during_calls_loses_and_duplicates_no_opt_out(
    tmp_path: Path, db_url: str
) -> None:
    result = await crash_run(tmp_path, calls=40, kills=3, seed=6, db_url=db_url)
    assert problems(result) == [], result
    assert result["service_starts"] == 4
    assert result["calls"] == 40
    assert result["confirmations_heard"] > 0
    assert result["consents_acknowledged"] > 0
