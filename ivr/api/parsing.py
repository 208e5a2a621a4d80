"""Request bodies and query strings into pydantic models, or the matching 4xx."""

from __future__ import annotations

import json
from typing import TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from ivr.api.errors import bad_request, from_validation, unsupported_media_type

M = TypeVar("M", bound=BaseModel)


def query(request: web.Request, model: type[M]) -> M:
    try:
        return model.model_validate(dict(request.query.items()))
    except ValidationError as exc:
        raise from_validation(exc) from None


async def json_body(request: web.Request, model: type[M]) -> M:
    if request.content_type != "application/json":
        raise unsupported_media_type("send the body as application/json")
    raw = await request.read()
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise bad_request("malformed_json", f"the body is not valid JSON: {exc}") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise from_validation(exc) from None
