"""``ivr demo`` end to end: it says so when prompts cannot be played."""

from __future__ import annotations

import io
import re
from pathlib import Path

from ivr.demo import demo_callers, run_demo


async def test_demo_without_prompts_exits_1_and_ends_every_call(tmp_path: Path) -> None:
    empty = tmp_path / "prompts"
    (empty / "nl").mkdir(parents=True)
    out = io.StringIO()
    assert await run_demo(tmp_path / "demo.sqlite3", 1.0, out, empty) == 1
    outcomes = re.findall(r"outcome: (\S+);", out.getvalue())
    assert len(outcomes) == len(demo_callers())
    assert set(outcomes) == {"error", "refused_voicemail"}  # every call that was answered failed
