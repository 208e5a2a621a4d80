"""The signed session cookie ``ivr_session`` (docs/design.md 13, 14.28, 15.40).

The cookie holds the token's name and a hash of its secret (never the secret), the
CSRF token and the expiry, signed with HMAC-SHA256. On every request the hash is
checked again against ``IVR_API_TOKENS``: a token removed there ends its sessions.
A session before sign-in (or without tokens, on loopback) holds only its CSRF token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta

from aiohttp import web

from ivr.api.auth import OPEN, ApiToken, Principal

COOKIE = "ivr_session"
LIFETIME = timedelta(hours=8)


@dataclass(frozen=True)
class Session:
    csrf: str
    expires: float
    """Seconds since the epoch."""
    token_hash: str | None = None
    """sha256 of the signed-in token's secret; ``None`` before sign-in."""
    token_name: str | None = None


def new_session(now: float, token: ApiToken | None = None) -> Session:
    return Session(
        csrf=secrets.token_urlsafe(24),
        expires=now + LIFETIME.total_seconds(),
        token_hash=None if token is None else secret_hash(token.secret),
        token_name=None if token is None else token.name,
    )


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def encode(session: Session, key: bytes) -> str:
    payload = json.dumps(
        [session.csrf, session.expires, session.token_hash, session.token_name],
        separators=(",", ":"),
    ).encode()
    body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    return body + "." + _sign(body, key)


def decode(value: str, key: bytes, now: float) -> Session | None:
    """The session in ``value`` if its signature holds and it has not expired."""
    body, _, signature = value.partition(".")
    if not hmac.compare_digest(_sign(body, key), signature):
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        csrf, expires, token_hash, token_name = raw
        session = Session(str(csrf), float(expires), token_hash, token_name)
    except (ValueError, TypeError):
        return None
    return session if session.expires > now else None


def _sign(body: str, key: bytes) -> str:
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


def principal_of_session(session: Session, tokens: list[ApiToken]) -> Principal | None:
    """Who the session is now: ``None`` when not signed in or its token is gone."""
    if not tokens:
        return OPEN
    if session.token_hash is None:
        return None
    found: ApiToken | None = None
    for token in tokens:
        same = hmac.compare_digest(secret_hash(token.secret), session.token_hash)
        if same and token.name == session.token_name and found is None:
            found = token
    return None if found is None else found.principal


def is_https(request: web.Request, trust_proxy: bool) -> bool:
    if trust_proxy:
        forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
        if forwarded:
            return forwarded == "https"
    return request.scheme == "https"


def set_cookie(response: web.StreamResponse, value: str, secure: bool) -> None:
    response.set_cookie(
        COOKIE,
        value,
        max_age=int(LIFETIME.total_seconds()),
        path="/ui",
        httponly=True,
        samesite="Strict",
        secure=secure,
    )


def check_csrf(session: Session, offered: str | None) -> bool:
    return offered is not None and hmac.compare_digest(session.csrf, offered)
