"""Fixtures of the prompt command tests: a clean environment, a copy of the shipped prompts."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

SHIPPED = Path(__file__).resolve().parents[2] / "prompts"


@pytest.fixture
def clean_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No ``IVR_*`` setting of the caller's, and the test's own folder as the working folder
    (so no ``./prompts`` or ``./ivr.toml`` but the test's is found)."""
    for name in list(os.environ):
        if name.startswith("IVR_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the shipped prompts to break."""
    return Path(shutil.copytree(SHIPPED, tmp_path / "prompts"))
