"""docker/ cannot run here (no Docker engine): check what it promises against the repository."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from ivr.config import Settings
from ivr.dialplan.conffile import read_config

REPO = Path(__file__).resolve().parents[2]
DOCKER = REPO / "docker"


def compose(file: str = "compose.yaml") -> dict[str, Any]:
    loaded = yaml.safe_load((DOCKER / file).read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def service(name: str, file: str = "compose.yaml") -> dict[str, Any]:
    found = compose(file)["services"][name]
    assert isinstance(found, dict)
    return found


def mounts(name: str) -> dict[str, tuple[Path, str]]:
    """Container path → (host path, options) of a service's bind mounts and volumes."""
    result: dict[str, tuple[Path, str]] = {}
    for volume in service(name).get("volumes", []):
        source, target, *options = volume.split(":")
        host = (DOCKER / source).resolve() if source.startswith(".") else Path(source)
        result[target] = (host, ",".join(options))
    return result


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments), continuation lines joined."""
    joined: list[str] = []
    pending = ""
    for raw in (DOCKER / "Dockerfile").read_text(encoding="utf-8").split("\n"):
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        joined.append(pending + line)
        pending = ""
    result: list[tuple[str, str]] = []
    for line in joined:
        keyword, _, rest = line.partition(" ")
        result.append((keyword.upper(), rest.strip()))
    return result


def arguments(keyword: str) -> list[str]:
    return [rest for found, rest in instructions() if found == keyword]


def test_asterisk_is_a_pinned_22_image() -> None:
    image = service("asterisk")["image"]
    assert re.fullmatch(
        r"andrius/asterisk:22\.\d+\.\d+_debian-[a-z]+(@sha256:[0-9a-f]{64})?", image
    )


def test_asterisk_gets_the_dialplan_kit_and_the_prompts() -> None:
    found = mounts("asterisk")
    kit = sorted(path.name for path in (REPO / "dialplan").glob("*.conf"))
    assert {"extensions.conf", "ari.conf", "queues.conf", "amd.conf"} <= set(kit)
    for name in kit:
        if name == "http.conf":  # docker/asterisk/http.conf listens on the compose network
            continue
        host, options = found[f"/etc/asterisk/{name}"]
        assert host == REPO / "dialplan" / name
        assert options == "ro"
    assert found["/etc/asterisk/http.conf"][0] == DOCKER / "asterisk" / "http.conf"
    prompts, options = found["/var/lib/asterisk/sounds/ivr/nl"]
    assert prompts == REPO / "prompts" / "nl"
    assert (prompts / "welcome.wav").is_file()
    assert options == "ro"
    for host, _ in found.values():
        assert host.exists(), host


def test_ari_user_comes_from_a_secret_that_ari_conf_includes() -> None:
    targets = {
        secret["target"]: secret["source"]
        for secret in service("asterisk")["secrets"]
        if isinstance(secret, dict)
    }
    assert targets["/etc/asterisk/ari_users.conf"] in compose()["secrets"]
    ari_conf = (REPO / "dialplan" / "ari.conf").read_text()
    assert '\n#tryinclude "ari_users.conf"\n' in ari_conf
    assert re.search(r"^channelvars = AMDSTATUS,IVR_VOICEMAIL$", ari_conf, re.MULTILINE)


def test_ari_listens_inside_the_compose_network_on_the_port_the_service_uses() -> None:
    general = read_config([DOCKER / "asterisk" / "http.conf"]).find("general")
    assert general is not None
    values = {entry.name: entry.value for entry in general.entries}
    assert values["bindaddr"] == "0.0.0.0"
    url = service("ivr")["environment"]["IVR_ARI_URL"]
    assert url == f"http://asterisk:{values['bindport']}"
    assert not any("8088" in str(port) for port in service("asterisk").get("ports", []))
    shipped = read_config([REPO / "dialplan" / "http.conf"]).find("general")
    assert shipped is not None
    assert {e.name: e.value for e in shipped.entries}["bindaddr"] == "127.0.0.1"


def test_service_environment_is_real_settings() -> None:
    environment = service("ivr")["environment"]
    assert environment["IVR_HTTP_HOST"] == "0.0.0.0"
    assert environment["IVR_DB"] == "/data/ivr.sqlite3"
    for name in environment:
        setting = name.removeprefix("IVR_").removesuffix("_FILE").lower()
        assert setting in Settings.model_fields, name


def test_secrets_of_the_service_are_files_it_is_told_about() -> None:
    environment = service("ivr")["environment"]
    secrets = service("ivr")["secrets"]
    declared = compose()["secrets"]
    assert environment["IVR_ARI_PASSWORD_FILE"] == "/run/secrets/ari_password"
    assert environment["IVR_API_TOKENS_FILE"] == "/run/secrets/api_tokens"
    for name in ("ari_password", "api_tokens"):
        assert name in secrets
        assert declared[name]["file"].startswith("./secrets/")
    assert "IVR_ARI_PASSWORD" not in environment
    assert "IVR_API_TOKENS" not in environment


def test_database_is_on_a_named_volume() -> None:
    found = service("ivr")["volumes"]
    assert "ivr-data:/data" in found
    assert "ivr-data" in compose()["volumes"]


def test_service_is_built_from_the_repository() -> None:
    build = service("ivr")["build"]
    assert (DOCKER / build["context"]).resolve() == REPO
    assert (REPO / build["dockerfile"]) == DOCKER / "Dockerfile"
    assert service("ivr")["ports"] == ["127.0.0.1:8080:8080"]


def test_dockerfile_base_is_a_pinned_slim_python() -> None:
    (base,) = arguments("FROM")
    assert re.fullmatch(r"python:3\.1[12]\.\d+-slim(-[a-z]+)?", base)


def test_dockerfile_copies_what_exists_and_what_pip_install_needs() -> None:
    sources: list[str] = []
    for rest in arguments("COPY"):
        *from_paths, _target = rest.split()
        sources.extend(from_paths)
    for source in sources:
        assert (REPO / source).exists(), source
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert pyproject["project"]["readme"] in sources
    assert "pyproject.toml" in sources
    assert "ivr" in sources
    assert "prompts" in sources
    assert any(re.search(r"\bpip install /src\b", rest) for rest in arguments("RUN"))
    # ivr/prompts/shipped links to ../../prompts: the wheel carries them only if they are there
    assert "prompts /src/prompts" in arguments("COPY")


def test_dockerfile_runs_ivr_serve_as_a_non_root_user() -> None:
    (user,) = arguments("USER")
    assert user not in ("root", "0")
    (command,) = arguments("CMD")
    assert json.loads(command) == ["ivr", "serve"]
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["ivr"] == "ivr.cli:console"


def test_dockerfile_keeps_the_database_on_the_data_volume() -> None:
    assert any("IVR_DB=/data/ivr.sqlite3" in rest for rest in arguments("ENV"))
    assert json.loads(arguments("VOLUME")[0]) == ["/data"]


def test_healthcheck_asks_healthz_with_python() -> None:
    (check,) = arguments("HEALTHCHECK")
    command = json.loads(check.split("CMD", 1)[1])
    assert command[:2] == ["python", "-c"]
    assert "/healthz" in command[2]
    compile(command[2], "<healthcheck>", "exec")


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX shell")
def test_make_secrets_writes_matching_ari_passwords_and_a_token(tmp_path: Path) -> None:
    subprocess.run(
        ["sh", str(DOCKER / "make-secrets.sh"), str(tmp_path)], check=True, capture_output=True
    )
    password = (tmp_path / "ari_password").read_text().strip()
    assert len(password) >= 24
    user = read_config([tmp_path / "ari_users.conf"]).find("asterisk")
    assert user is not None
    values = {entry.name: entry.value for entry in user.entries}
    assert values == {
        "type": "user",
        "read_only": "no",
        "password": password,
        "password_format": "plain",
    }
    token, scope, advertiser, name = (tmp_path / "api_tokens").read_text().strip().split(":")
    assert len(token) >= 24 and scope == "write" and advertiser == "" and name == "operator"
    before = password
    subprocess.run(["sh", str(DOCKER / "make-secrets.sh"), str(tmp_path)], check=True)
    assert (tmp_path / "ari_password").read_text().strip() == before
