from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from ivr.cli import main


@dataclass
class Outcome:
    code: int
    lines: list[str]
    err: str

    @property
    def paths(self) -> list[str]:
        return [line for line in self.lines if ": voicemail reachable from " in line]

    @property
    def warnings(self) -> list[str]:
        return [line for line in self.lines if ": warning: " in line]


@pytest.fixture(autouse=True)
def _plain_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("IVR_CONFIG", "IVR_ARI_APP", "IVR_VOICEMAIL_TARGETS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.lstrip("\n"), encoding="utf-8")
        return path

    return write


@pytest.fixture
def run_check(capsys: pytest.CaptureFixture[str]) -> Callable[..., Outcome]:
    def run_check(*args: str | Path) -> Outcome:
        code = main(["dialplan", "check", *map(str, args)])
        captured = capsys.readouterr()
        return Outcome(code, captured.out.splitlines(), captured.err)

    return run_check
