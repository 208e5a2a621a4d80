"""Bearer tokens of ``IVR_API_TOKENS`` and who a request is.

An item is ``token:scope[:advertiser[:name]]``; items are separated by commas,
or ``@FILE`` names a file with one item a line (``#`` starts a comment).  Scope
``write`` implies ``read``.  Tokens are compared in constant time and never
logged.  Without tokens the API is open, so it may only listen on loopback.
"""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from ivr.config import ConfigError


class Scope(StrEnum):
    READ = "read"
    WRITE = "write"


@dataclass(frozen=True)
class ApiToken:
    secret: str
    scope: Scope
    advertiser: str | None = None
    name: str | None = None

    def __repr__(self) -> str:
        return f"ApiToken(scope={self.scope}, advertiser={self.advertiser}, name={self.name})"

    @property
    def principal(self) -> Principal:
        return Principal(scope=self.scope, advertiser=self.advertiser, name=self.name)


@dataclass(frozen=True)
class Principal:
    """Who is asking: what they may do, and for which advertiser's rows."""

    scope: Scope
    advertiser: str | None = None
    name: str | None = None

    def allows(self, needed: Scope) -> bool:
        return needed is Scope.READ or self.scope is Scope.WRITE

    def may_act_for(self, advertiser: str) -> bool:
        return self.advertiser is None or self.advertiser == advertiser

    def created_by(self, agent: str | None = None) -> str:
        """``token:<name>`` for a named token, else ``agent:<id>`` or ``api``."""
        if self.name:
            return f"token:{self.name}"
        return f"agent:{agent}" if agent else "api"


OPEN = Principal(scope=Scope.WRITE)
"""Everybody, when no tokens are configured (loopback only)."""


def parse_tokens(raw: str) -> list[ApiToken]:
    """Parse ``IVR_API_TOKENS``; raise :class:`ConfigError` without echoing a secret."""
    raw = raw.strip()
    if raw.startswith("@"):
        path = Path(raw[1:])
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"IVR_API_TOKENS: cannot read {path}: {exc.strerror}") from exc
        items = [line.split("#", 1)[0].strip() for line in text.splitlines()]
        where = str(path)
    else:
        items = [item.strip() for item in raw.split(",")]
        where = "IVR_API_TOKENS"
    tokens = [_parse_item(item, where, n) for n, item in enumerate(items, 1) if item]
    if len({token.secret for token in tokens}) != len(tokens):
        raise ConfigError(f"{where}: the same token appears twice")
    return tokens


def _parse_item(item: str, where: str, n: int) -> ApiToken:
    parts = item.split(":")
    if not 2 <= len(parts) <= 4 or not parts[0]:
        raise ConfigError(f"{where}: item {n} is not token:scope[:advertiser[:name]]")
    secret, scope, *rest = parts
    if scope not in {s.value for s in Scope}:
        raise ConfigError(f"{where}: item {n} has scope {scope!r}; use read or write")
    advertiser = rest[0] if rest and rest[0] else None
    name = rest[1] if len(rest) > 1 and rest[1] else None
    return ApiToken(secret=secret, scope=Scope(scope), advertiser=advertiser, name=name)


def authenticate(tokens: list[ApiToken], authorization: str | None) -> Principal | None:
    """The principal of an ``Authorization: Bearer`` header, or ``None``."""
    if not tokens:
        return OPEN
    if not authorization:
        return None
    kind, _, offered = authorization.partition(" ")
    if kind.lower() != "bearer" or not offered.strip():
        return None
    found = find_token(tokens, offered)
    return None if found is None else found.principal


def find_token(tokens: list[ApiToken], offered: str) -> ApiToken | None:
    """The token whose secret is ``offered`` (a bearer header's, or typed in at sign-in).

    Every token is compared, whatever matched, so the time taken does not tell
    how close a guess was.
    """
    offered_bytes = offered.strip().encode()
    found: ApiToken | None = None
    for token in tokens:
        if hmac.compare_digest(token.secret.encode(), offered_bytes) and found is None:
            found = token
    return found


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, tokens: list[ApiToken]) -> None:
    """Refuse an open API on anything but loopback."""
    if not tokens and not is_loopback(host):
        raise ConfigError(
            f"IVR_HTTP_HOST={host} is not loopback and IVR_API_TOKENS is empty: "
            "set tokens or bind to 127.0.0.1"
        )
