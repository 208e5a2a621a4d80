"""``ivr.example.toml`` shows every setting and an advertiser, and loads as it is."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from ivr.config import AdvertiserConfig, Settings, load_settings
from ivr.store.location import SqliteLocation

EXAMPLE = Path(__file__).resolve().parents[1] / "ivr.example.toml"


def keys_shown(text: str) -> set[str]:
    """Keys set or shown commented out (``# name = …``)."""
    return set(re.findall(r"^#? ?([a-z_]+) = ", text, re.MULTILINE))


@pytest.fixture(autouse=True)
def _only_the_example(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("IVR_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("IVR_CONFIG", str(EXAMPLE))


def test_the_example_shows_every_setting() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    settings_part, advertiser_part = text.split("[advertisers.acme]", 1)
    missing = set(Settings.model_fields) - {"advertisers"} - keys_shown(settings_part)
    assert not missing, f"add these settings to ivr.example.toml: {sorted(missing)}"
    missing = set(AdvertiserConfig.model_fields) - keys_shown(advertiser_part)
    assert not missing, f"add these to [advertisers.acme] in ivr.example.toml: {sorted(missing)}"


def test_the_example_loads_with_the_defaults_and_one_advertiser() -> None:
    loaded = load_settings()
    defaults = Settings.model_construct()
    for name in Settings.model_fields:
        if name not in ("advertisers", "db"):
            assert getattr(loaded, name) == getattr(defaults, name), name
    assert loaded.db_location == SqliteLocation(Path("ivr.sqlite3"))
    assert loaded.advertisers["acme"].name == "Acme Energie"
    assert loaded.advertisers["acme"].name_prompt == "advertisers/acme"
