"""Request bodies and query strings into pydantic models, or the matching 4xx."""

from __future__ import annotations

import json
import typing
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from ivr.api.errors import bad_request, from_validation, unsupported_media_type

M = TypeVar("M", bound=BaseModel)


def query(request: web.Request, model: type[M]) -> M:
    """The query string as ``model``; a list field takes every value of its repeated key."""
    values: dict[str, Any] = dict(request.query.items())
    for name, spec in model.model_fields.items():
        if typing.get_origin(spec.annotation) is list and name in request.query:
            values[name] = request.query.getall(name)
    try:
        return model.model_validate(values)
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
