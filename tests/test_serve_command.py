"""``ivr serve`` at start-up: clear failures, exit codes 1 and 2."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from ivr.cli import main
from ivr.commands.serve import run_loop
from ivr.ports import free_port
from tests.processes import simulated_asterisk

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("IVR_CONFIG", raising=False)
    monkeypatch.setenv("IVR_DB", str(tmp_path / "ivr.sqlite3"))
    monkeypatch.setenv("IVR_PROMPTS_DIR", str(REPO / "prompts"))
    monkeypatch.setenv("IVR_HTTP_PORT", str(free_port()))
    monkeypatch.setenv("IVR_LOG_FORMAT", "json")


def test_unreachable_asterisk_gives_up_after_connect_timeout(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("IVR_ARI_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("IVR_ARI_PASSWORD", "s3cret-never-logged")
    assert main(["serve", "--connect-timeout", "1.5"]) == 1
    err = capsys.readouterr().err
    assert "ari_unreachable" in err
    assert "s3cret-never-logged" not in err


def test_a_401_from_asterisk_says_which_file_to_create(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with simulated_asterisk("--password", "the-right-one") as port:
        monkeypatch.setenv("IVR_ARI_URL", f"http://127.0.0.1:{port}")
        monkeypatch.setenv("IVR_ARI_PASSWORD", "s3cret-but-wrong")
        assert main(["serve", "--connect-timeout", "3"]) == 1
    err = capsys.readouterr().err
    assert "ari_auth_refused" in err
    assert "/etc/asterisk/ari_users.conf" in err
    assert "ari_unreachable" not in err
    assert "s3cret-but-wrong" not in err


def test_bad_config_fails_at_once_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("IVR_HTTP_PORT", "not-a-port")
    assert main(["serve"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "IVR_HTTP_PORT" in err[0]


def test_missing_prompt_fails_at_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "prompts" / "nl").mkdir(parents=True)
    monkeypatch.setenv("IVR_PROMPTS_DIR", str(tmp_path / "prompts"))
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ivr: prompt welcome: missing (and ")
    assert err.endswith(" more; run `ivr prompts check`)\n")
    assert not (tmp_path / "ivr.sqlite3").exists()  # refused before the database is opened


def test_config_file_is_read_and_environment_wins(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from ivr.config import load_settings

    config = tmp_path / "ivr.toml"
    config.write_text(
        'ari_app = "from-file"\nhttp_port = 9999\n'
        '[advertisers.acme]\nname = "Acme"\nname_prompt = "advertisers/acme"\n'
    )
    monkeypatch.setenv("IVR_CONFIG", str(config))
    monkeypatch.setenv("IVR_HTTP_PORT", "8181")
    settings = load_settings()
    assert settings.ari_app == "from-file"
    assert settings.http_port == 8181
    assert settings.advertisers["acme"].name_prompt == "advertisers/acme"


def test_password_from_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from ivr.config import load_settings

    secret = tmp_path / "ari-password"
    secret.write_text("from-a-file\n")
    monkeypatch.delenv("IVR_ARI_PASSWORD", raising=False)
    monkeypatch.setenv("IVR_ARI_PASSWORD_FILE", str(secret))
    assert load_settings().ari_password == "from-a-file"
    assert "from-a-file" not in repr(load_settings())


def test_a_us_tcpa_advertiser_without_its_english_name_fails_at_once_naming_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Its calls open with its English name (docs/design.md §14.16): required for us-tcpa."""
    config = tmp_path / "ivr.toml"
    config.write_text(
        '[advertisers.acme]\nname = "Acme"\nname_prompt = "advertisers/acme"\n'
        '[advertisers.usco]\nname = "US Co"\nprofile = "us-tcpa"\n'
    )
    monkeypatch.setenv("IVR_CONFIG", str(config))
    assert main(["serve"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "advertisers.usco" in err[0] and "name_prompt_en" in err[0] and "acme" not in err[0]


def test_an_advertisers_missing_contact_prompt_fails_at_once_naming_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "ivr.toml"
    config.write_text(
        '[advertisers.acme]\nname = "Acme"\nname_prompt = "advertisers/acme"\n'
        'contact_prompt = "advertisers/acme-kontakt"\n'
    )
    monkeypatch.setenv("IVR_CONFIG", str(config))
    assert main(["serve"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "advertisers/acme-kontakt" in err[0]


@pytest.mark.skipif(sys.platform == "win32", reason="uvloop does not exist on Windows")
def test_the_service_runs_on_uvloop() -> None:
    import uvloop

    async def on_uvloop() -> int:
        return int(isinstance(asyncio.get_running_loop(), uvloop.Loop))

    assert run_loop(on_uvloop()) == 1
