"""Settings from the environment (``IVR_*``) and an optional TOML file.

The file is the one named by ``IVR_CONFIG``, else ``./ivr.toml`` when it
exists.  Keys in the file are the setting names without ``IVR_`` in lower case;
the environment wins.  Secrets may come from ``IVR_<NAME>_FILE``.
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)

from ivr.prompts.location import default_prompts_dir
from ivr.rules.regime import Sector
from ivr.store.location import Location, parse_location

SECRET_SETTINGS = ("ari_password", "api_tokens", "db", "ui_secret")


class ConfigError(Exception):
    """A configuration problem, said in one line for the operator."""


class AdvertiserConfig(BaseModel):
    name: str
    name_prompt: str | None = None
    name_prompt_en: str | None = None
    """The advertiser's name in English, for calls in ``en`` (us-tcpa, docs/design.md §14.16)."""
    contact_prompt: str | None = None
    """How to object to the advertiser directly, played after ``cannot-register``
    (else ``contact-generic``; docs/design.md §14.15)."""
    profile: str | None = None
    """A profile or family for this advertiser's calls and decisions; default IVR_PROFILE."""
    sector: Sector = Sector.COMMERCIAL
    """Which opt-in exceptions apply to the advertiser (docs/design.md 11.1)."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="IVR_", extra="forbid", validate_default=True, frozen=True
    )

    ari_url: str = "http://127.0.0.1:8088"
    ari_user: str = "asterisk"
    ari_password: str = Field(default="asterisk", repr=False)
    ari_app: str = "optout"
    asterisk_id: str | None = None
    """Names this box in ``calls.asterisk``; unset: Asterisk's ``system.entity_id``."""
    db: str = Field(default="./ivr.sqlite3", repr=False)
    """A path, ``sqlite:PATH`` or ``postgresql://…`` (a URL may hold a password: see
    :attr:`db_location`, whose text is masked)."""
    db_pool: int = Field(default=10, ge=1, le=1000)
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=0, le=65535)
    profile: str = "nl-ctm2012"
    default_advertiser: str | None = None
    prompts_dir: Path = Field(default_factory=default_prompts_dir)
    sound_prefix: str = "sound:ivr"
    log_format: Literal["console", "json"] | None = None
    refuse_amd: Annotated[list[str], NoDecode] = ["MACHINE"]
    voicemail_targets: Annotated[list[str], NoDecode] = ["vm", "vm-*", "*-vm", "*voicemail*"]
    api_tokens: str = Field(default="", repr=False)
    max_upload_mb: int = Field(default=256, ge=1)
    ui_secret: str = Field(default="", repr=False)
    """Signs the web page's session cookie; empty: a random key per process."""
    trust_proxy: bool = False
    """Believe ``X-Forwarded-Proto`` (a TLS-terminating proxy in front of ``/ui``)."""
    evidence_retention_days: int = Field(default=730, ge=1)
    evidence_checkpoint_s: float = Field(default=3600.0, gt=0)
    shutdown_grace_s: float = Field(default=30.0, ge=0)
    advertisers: dict[str, AdvertiserConfig] = {}

    @field_validator("db", mode="before")
    @classmethod
    def _db(cls, value: Any) -> Any:
        if isinstance(value, Path):
            return str(value)
        if isinstance(value, str):
            try:
                parse_location(value)
            except ValueError as exc:
                raise ValueError(str(exc)) from None
        return value

    @property
    def db_location(self) -> Location:
        return parse_location(self.db)

    @field_validator("ari_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("refuse_amd", mode="before")
    @classmethod
    def _json_or_comma_list(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.lstrip().startswith("["):
            return [item.strip() for item in value.split(",") if item.strip()]
        return _json_list(value)

    @field_validator("voicemail_targets", mode="before")
    @classmethod
    def _json_only_list(cls, value: Any) -> Any:
        """Its globs may hold commas, so comma-separated text would be read wrong."""
        return _json_list(value)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        path = _config_path()
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    @property
    def events_url(self) -> str:
        scheme, rest = self.ari_url.split("://", 1)
        return ("wss" if scheme == "https" else "ws") + "://" + rest + "/ari/events"


def _json_list(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        raise ValueError('is not JSON; write a JSON list, e.g. ["vm", "vm-*"]') from None


def _config_path() -> Path | None:
    named = os.environ.get("IVR_CONFIG")
    if named:
        return Path(named)
    default = Path("ivr.toml")
    return default if default.exists() else None


def _secrets_from_files() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name in SECRET_SETTINGS:
        file_name = os.environ.get(f"IVR_{name.upper()}_FILE")
        # the variable itself wins when set and not empty (empty: an image's IVR_DB, say)
        if file_name and not os.environ.get(f"IVR_{name.upper()}"):
            try:
                text = Path(file_name).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(
                    f"IVR_{name.upper()}_FILE: cannot read {file_name}: {exc.strerror}"
                ) from exc
            if name == "api_tokens":
                text = ",".join(line.strip() for line in text.splitlines() if line.strip())
            found[name] = text
    return found


def load_settings(**overrides: Any) -> Settings:
    """Read the settings, or raise :class:`ConfigError` with one clear line."""
    path = _config_path()
    if path is not None:
        try:
            with path.open("rb") as handle:
                tomllib.load(handle)
        except OSError as exc:
            raise ConfigError(f"config file {path}: {exc.strerror}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {path}: {exc}") from exc
    values = {**_secrets_from_files(), **overrides}
    try:
        return Settings(**values)
    except ValidationError as exc:
        raise ConfigError(_one_line(exc, path)) from exc
    except SettingsError as exc:
        # pydantic-settings decodes JSON-valued settings (advertisers) before validation.
        field = str(exc).split('"')[1] if str(exc).count('"') >= 2 else "config"
        raise ConfigError(
            f"invalid configuration: {_setting_name(field, path)}: is not valid JSON"
        ) from exc


def _one_line(exc: ValidationError, path: Path | None) -> str:
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"])
        name = _setting_name(where, path) if where else "config"
        message = error["msg"].removeprefix("Value error, ")
        problems.append(f"{name}: {message}")
    return "invalid configuration: " + "; ".join(problems)


def _setting_name(location: str, path: Path | None) -> str:
    """Where the operator set it: the environment variable, else the key in the TOML file."""
    field = location.split(".", 1)[0]
    env_name = f"IVR_{field.upper()}"
    if env_name in os.environ or f"{env_name}_FILE" in os.environ or path is None:
        return env_name
    return f"{location} in {path}"
