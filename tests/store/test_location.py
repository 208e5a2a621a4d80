"""``IVR_DB``: a path, ``sqlite:PATH`` or a PostgreSQL URL whose user info never shows."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ivr.config import ConfigError, load_settings
from ivr.store.location import (
    PostgresLocation,
    SqliteLocation,
    masked,
    masked_text,
    parse_location,
)


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("./ivr.sqlite3", "ivr.sqlite3"),
        ("/data/ivr.sqlite3", "/data/ivr.sqlite3"),
        ("sqlite:/data/ivr.sqlite3", "/data/ivr.sqlite3"),
        ("sqlite:relative.db", "relative.db"),
        ("sqlite:///data/x.db", "/data/x.db"),
    ],
)
def test_paths_and_sqlite_urls_name_a_sqlite_file(text: str, path: str) -> None:
    assert parse_location(text) == SqliteLocation(Path(path))


@pytest.mark.parametrize(
    "url", ["postgresql://ivr:s3cret@db:5432/ivr", "postgres://ivr@db/ivr", "postgresql:///ivr"]
)
def test_postgresql_urls_name_postgresql(url: str) -> None:
    assert parse_location(url) == PostgresLocation(url)


def test_an_empty_name_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        parse_location("sqlite:")


def test_the_user_info_is_masked_in_the_text_of_a_location() -> None:
    location = parse_location("postgresql://ivr:s3cret@db.example:5432/ivr?sslmode=require")
    assert str(location) == "postgresql://***@db.example:5432/ivr?sslmode=require"
    assert masked("postgres://only-user@db/ivr") == "postgres://***@db/ivr"
    assert masked("postgresql://db/ivr") == "postgresql://db/ivr"


URL_SAFE = string.ascii_letters + string.digits + "-._~!$&'()*+,;=%"


@given(
    user=st.text(URL_SAFE, min_size=1),
    password=st.text(URL_SAFE + ":", min_size=3),
)
def test_no_password_survives_masking_in_a_message(user: str, password: str) -> None:
    url = f"postgresql://{user}:{password}@db:5432/ivr"
    message = masked_text(f"cannot connect to {url}: refused")
    assert password not in message.replace("postgresql://***@db:5432/ivr", "")
    assert "***@db:5432/ivr" in message


def test_ivr_db_file_holds_the_whole_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "db-url"
    secret.write_text("postgresql://ivr:s3cret@db/ivr\n")
    monkeypatch.delenv("IVR_DB", raising=False)
    monkeypatch.setenv("IVR_DB_FILE", str(secret))
    settings = load_settings()
    assert settings.db_location == PostgresLocation("postgresql://ivr:s3cret@db/ivr")
    assert "s3cret" not in repr(settings)


def test_the_pool_size_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IVR_DB_POOL", "4")
    assert load_settings().db_pool == 4
    monkeypatch.setenv("IVR_DB_POOL", "0")
    with pytest.raises(ConfigError, match="IVR_DB_POOL"):
        load_settings()
