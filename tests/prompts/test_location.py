"""The package carries the prompts, so ``ivr demo`` works outside the repository
(docs/design.md §14.14)."""

from __future__ import annotations

import fnmatch
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from ivr.config import Settings
from ivr.prompts.location import default_prompts_dir, prompts_dir_for, shipped_prompts_dir

REPO = Path(__file__).resolve().parents[2]


pytestmark = pytest.mark.usefixtures("clean_config")


def test_the_package_reaches_the_prompts_folder_at_the_top_of_the_repository() -> None:
    assert shipped_prompts_dir() == (REPO / "prompts").resolve()
    assert (shipped_prompts_dir() / "nl" / "menu.wav").is_file()


def test_the_package_data_names_every_prompt_file_a_wheel_must_carry() -> None:
    """The globs of pyproject.toml against the files (building a wheel needs the network)."""
    with (REPO / "pyproject.toml").open("rb") as handle:
        patterns = tomllib.load(handle)["tool"]["setuptools"]["package-data"]["ivr"]
    shipped = REPO / "ivr" / "prompts" / "shipped"
    assert shipped.is_symlink()
    files = [
        path.relative_to(REPO / "ivr").as_posix()
        for path in shipped.rglob("*")
        if path.is_file() and path.name != "manifest.toml"
    ]
    unshipped = [
        name
        for name in files
        if not any(fnmatch.fnmatch(name, pattern.replace("**/", "*")) for pattern in patterns)
    ]
    assert files and unshipped == []


def test_outside_a_checkout_the_default_is_the_packages_prompts(tmp_path: Path) -> None:
    assert default_prompts_dir() == shipped_prompts_dir()
    assert Settings().prompts_dir == shipped_prompts_dir()
    (tmp_path / "prompts").mkdir()
    assert default_prompts_dir() == Path("prompts")


def test_ivr_prompts_dir_still_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IVR_PROMPTS_DIR", str(tmp_path / "mine"))
    assert Settings().prompts_dir == tmp_path / "mine"
    assert prompts_dir_for(None) == tmp_path / "mine"
    assert prompts_dir_for(tmp_path / "given") == tmp_path / "given"


def test_ivr_demo_runs_from_an_empty_folder_and_every_prompt_plays(tmp_path: Path) -> None:
    ivr = Path(sys.executable).parent / "ivr"
    done = subprocess.run(
        [str(ivr), "demo", "--speed", "20"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if not k.startswith("IVR_")},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "▶ goodbye                  finished" in done.stdout
    assert "failed" not in done.stdout
    assert "prompt_failed" not in done.stderr
