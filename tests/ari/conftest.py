"""Small ARI servers that answer with what real Asterisk 22.10.1 answered (the traces)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

ARI_DIR = Path(__file__).resolve().parents[1] / "data" / "ari"
TRACES = ARI_DIR / "traces"

USER = "asterisk"
SECRET = "s3cr3t-Pa55w0rd"


def trace_files() -> list[Path]:
    return sorted([*TRACES.glob("*.jsonl"), *TRACES.glob("sip/*.jsonl")])


def trace_records(kind: str | None = None) -> Iterator[tuple[Path, dict[str, Any]]]:
    for path in trace_files():
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if kind is None or record["kind"] == kind:
                yield path, record


def trace_http(label: str) -> dict[str, Any]:
    """The first HTTP exchange with this label in the traces."""
    for _, record in trace_records("http"):
        if record.get("label") == label:
            return record
    raise LookupError(label)


def trace_events() -> list[dict[str, Any]]:
    return [record["event"] for _, record in trace_records("ws_event")]


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    raw_url: str
    authorization: str | None


Answer = tuple[int, Any]


@dataclass
class FakeAri:
    """Answers ``(method, path)`` with a scripted ``(status, json body)``; records requests."""

    answers: dict[tuple[str, str], Answer] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]] | None = None

    def answer(self, method: str, path: str, status: int, body: Any = None) -> None:
        self.answers[(method, path)] = (status, body)

    def replay(
        self, label: str, path: str | None = None, method: str | None = None
    ) -> dict[str, Any]:
        """Answer like the trace record ``label`` (optionally at another path)."""
        record = trace_http(label)
        body = record.get("response_json", record.get("response_text"))
        self.answer(method or record["method"], path or record["path"], record["status"], body)
        return record

    async def handle(self, request: web.Request) -> web.StreamResponse:
        query: dict[str, list[str]] = {}
        for key, value in request.query.items():
            query.setdefault(key, []).append(value)
        self.seen.append(
            Seen(
                request.method,
                request.path,
                query,
                str(request.url),
                request.headers.get("Authorization"),
            )
        )
        if self.handler is not None:
            return await self.handler(request)
        status, body = self.answers.get(
            (request.method, request.path), (404, {"message": "Resource not found"})
        )
        if body is None:
            return web.Response(status=status)
        if isinstance(body, str):
            return web.Response(status=status, text=body)
        return web.json_response(body, status=status)


@pytest.fixture
async def fake_ari(aiohttp_server: Callable[..., Awaitable[TestServer]]) -> tuple[FakeAri, str]:
    fake = FakeAri()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fake.handle)
    server = await aiohttp_server(app)
    return fake, str(server.make_url("")).rstrip("/")
