"""docker/compose.postgres.yaml (several boxes on one PostgreSQL) cannot run here (no Docker
engine): check what it promises against the repository and the settings it feeds."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from ivr.config import Settings, load_settings
from ivr.store.location import PostgresLocation

from .test_compose import DOCKER, REPO, arguments, compose, service

FILE = "compose.postgres.yaml"
PAIRS = (("ivr-a", "asterisk-a"), ("ivr-b", "asterisk-b"))
IVR_SERVICES = ("ivr-a", "ivr-b", "api")


@pytest.fixture
def secrets(tmp_path: Path) -> Path:
    subprocess.run(
        ["sh", str(DOCKER / "make-secrets.sh"), str(tmp_path)], check=True, capture_output=True
    )
    return tmp_path


def test_postgres_is_a_pinned_image_on_a_named_volume_not_published() -> None:
    postgres = service("postgres", FILE)
    assert re.fullmatch(r"postgres:\d+\.\d+-[a-z]+(@sha256:[0-9a-f]{64})?", postgres["image"])
    assert "pg-data:/var/lib/postgresql/data" in postgres["volumes"]
    assert "pg-data" in compose(FILE)["volumes"]
    assert "ports" not in postgres
    assert postgres["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/pg_password"
    assert "POSTGRES_PASSWORD" not in postgres["environment"]
    assert "pg_isready" in postgres["healthcheck"]["test"]


def test_two_asterisk_boxes_like_the_single_box_one_on_their_own_ports() -> None:
    one = service("asterisk")
    published: list[tuple[str, str]] = []
    for _, box in PAIRS:
        asterisk = service(box, FILE)
        assert asterisk["image"] == one["image"]
        assert asterisk["volumes"] == one["volumes"]
        assert asterisk["secrets"] == one["secrets"]
        assert not any("8088" in port for port in asterisk["ports"])
        published += [(port.split(":")[0], port.split("/")[-1]) for port in asterisk["ports"]]
    assert len(set(published)) == len(published)  # no host port (and protocol) twice


def test_each_ivr_serve_talks_to_its_own_asterisk_and_waits_for_postgres() -> None:
    urls = set()
    for ivr, box in PAIRS:
        found = service(ivr, FILE)
        assert found["command"] == ["ivr", "serve"]
        assert found["environment"]["IVR_ARI_URL"] == f"http://{box}:8088"
        assert found["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert box in found["depends_on"]
        assert "ports" not in found  # the CRM and /ui go to the api service
        urls.add(found["environment"]["IVR_ARI_URL"])
    assert len(urls) == len(PAIRS)
    api = service("api", FILE)
    assert api["command"] == ["ivr", "api"]
    assert api["ports"] == ["127.0.0.1:8080:8080"]


def test_every_ivr_process_is_built_here_and_reads_the_database_url_from_a_secret() -> None:
    declared = compose(FILE)["secrets"]
    for name in IVR_SERVICES:
        found = service(name, FILE)
        assert (DOCKER / found["build"]["context"]).resolve() == REPO
        environment = found["environment"]
        assert environment["IVR_DB_FILE"] == "/run/secrets/db_url"
        assert environment["IVR_DB"] == ""  # the image's SQLite IVR_DB must not win
        assert "db_url" in found["secrets"]
        for variable in environment:
            setting = variable.removeprefix("IVR_").removesuffix("_FILE").lower()
            assert setting in Settings.model_fields, variable
        for secret in found["secrets"]:
            assert declared[secret]["file"].startswith("./secrets/")
    assert declared["db_url"]["file"] == "./secrets/db_url"


def test_the_settings_a_box_gets_name_the_shared_postgresql(
    secrets: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    image_env = dict(
        pair.split("=", 1) for rest in arguments("ENV") for pair in rest.replace("\\", " ").split()
    )
    assert image_env["IVR_DB"] == "/data/ivr.sqlite3"
    for name in list(Settings.model_fields):
        monkeypatch.delenv(f"IVR_{name.upper()}", raising=False)
        monkeypatch.delenv(f"IVR_{name.upper()}_FILE", raising=False)
    monkeypatch.setenv("IVR_CONFIG", str(secrets / "none.toml"))
    (secrets / "none.toml").write_text("")
    for variable, value in {**image_env, **service("ivr-a", FILE)["environment"]}.items():
        monkeypatch.setenv(variable, str(value).replace("/run/secrets", str(secrets)))

    settings = load_settings()

    location = settings.db_location
    assert isinstance(location, PostgresLocation)
    url = urlsplit(location.url)
    postgres = service("postgres", FILE)["environment"]
    assert url.hostname == "postgres" and url.port == 5432
    assert url.username == postgres["POSTGRES_USER"]
    assert url.path == "/" + postgres["POSTGRES_DB"]
    assert url.password == (secrets / "pg_password").read_text().strip()
    assert url.password not in str(location)
    assert settings.db_pool == 10
