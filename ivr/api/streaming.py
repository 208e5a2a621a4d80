"""Streamed text responses: written piece by piece, never held whole."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from ivr.api.errors import STREAM_STARTED

_EXTENSIONS = {"text/csv": "csv", "application/x-ndjson": "jsonl", "application/json": "json"}


async def stream_text(
    request: web.Request, media_type: str, pieces: AsyncIterator[str], name: str
) -> web.StreamResponse:
    """Send ``pieces`` as they come; a failure after the first byte cuts the stream
    (the client sees a broken transfer, never a complete-looking partial file)."""
    response = web.StreamResponse()
    response.content_type = media_type
    response.charset = "utf-8"
    extension = _EXTENSIONS.get(media_type, "txt")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{extension}"'
    await response.prepare(request)
    request[STREAM_STARTED] = True
    async for piece in pieces:
        if piece:
            await response.write(piece.encode())
    await response.write_eof()
    return response
