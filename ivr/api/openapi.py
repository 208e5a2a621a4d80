"""The OpenAPI 3.1 document, generated from the route table and the pydantic models."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from ivr import __version__
from ivr.api.routing import ArrayOf, Content, Route
from ivr.api.schemas import ErrorOut

REF = "#/components/schemas/{model}"

ERROR_DESCRIPTIONS = {
    400: "Malformed: bad JSON or unreadable CSV, or bad_idempotency_key.",
    401: "No valid bearer token.",
    403: "The token lacks the scope, or is bound to another advertiser.",
    404: "Unknown id, or unknown_advertiser.",
    409: "Conflict: already_revoked, idempotency_conflict or idempotency_in_progress.",
    413: "Too large.",
    415: "Wrong content type.",
    422: "Well-formed but invalid values (bad number, bad date, unknown category, "
    "charities_required, number_column_not_found).",
}


def _models(routes: Sequence[Route]) -> list[tuple[type[BaseModel], JsonSchemaMode]]:
    found: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {(ErrorOut, "serialization"): None}

    def add(content: Content, mode: JsonSchemaMode) -> None:
        if isinstance(content, ArrayOf):
            found[(content.model, mode)] = None
        elif content is not None:
            found[(content, mode)] = None

    for route in routes:
        for content in route.body.values():
            add(content, "validation")
        for reply in route.replies:
            for content in reply.content.values():
                add(content, "serialization")
    return list(found)


def _media(
    content: Content, refs: Mapping[tuple[Any, JsonSchemaMode], Any], mode: JsonSchemaMode
) -> dict[str, Any]:
    if content is None:
        return {"schema": {"type": "string"}}
    if isinstance(content, ArrayOf):
        return {"schema": {"type": "array", "items": refs[(content.model, mode)]}}
    return {"schema": refs[(content, mode)]}


def _parameters(route: Route, defs: dict[str, Any]) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = []
    for name in re.findall(r"{(\w+)}", route.path):
        params.append(
            {
                "name": name,
                "in": "path",
                "required": True,
                "description": route.path_params.get(name, name),
                "schema": {"type": "string"},
            }
        )
    for header in route.headers:
        schema: dict[str, Any] = {"type": "string", "minLength": 1}
        if header.max_length is not None:
            schema["maxLength"] = header.max_length
        if header.pattern is not None:
            schema["pattern"] = header.pattern
        params.append(
            {
                "name": header.name,
                "in": "header",
                "required": False,
                "description": header.description,
                "schema": schema,
            }
        )
    if route.query is not None:
        schema = route.query.model_json_schema(ref_template=REF)
        defs.update(schema.get("$defs", {}))
        required = set(schema.get("required", []))
        for name, prop in schema["properties"].items():
            prop = dict(prop)
            prop.pop("title", None)
            description = prop.pop("description", None)
            param: dict[str, Any] = {
                "name": name,
                "in": "query",
                "required": name in required,
                "schema": prop,
            }
            if description:
                param["description"] = description
            params.append(param)
    return params


def build_document(routes: Sequence[Route]) -> dict[str, Any]:
    models = _models(routes)
    refs, top = models_json_schema(models, ref_template=REF)
    schemas: dict[str, Any] = dict(top.get("$defs", {}))
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        operation: dict[str, Any] = {
            "operationId": route.handler.__name__,
            "summary": route.summary,
            "tags": [route.tag],
            "parameters": _parameters(route, schemas),
            "responses": {},
        }
        if route.scope is None:
            operation["security"] = []
        else:
            operation["security"] = [{"bearer": []}]
            operation["description"] = f"Needs a token with the {route.scope} scope."
        if route.body:
            operation["requestBody"] = {
                "required": True,
                "content": {
                    media: _media(content, refs, "validation")
                    for media, content in route.body.items()
                },
            }
        for reply in route.replies:
            entry: dict[str, Any] = {"description": reply.description}
            if reply.content:
                entry["content"] = {
                    media: _media(content, refs, "serialization")
                    for media, content in reply.content.items()
                }
            operation["responses"][str(reply.status)] = entry
        for status in route.errors:
            operation["responses"][str(status)] = {
                "description": ERROR_DESCRIPTIONS[status],
                "content": {"application/json": _media(ErrorOut, refs, "serialization")},
            }
        paths.setdefault(route.path, {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ivr suppression list",
            "version": __version__,
            "description": (
                "Opt-outs recorded by the IVR (recht van verzet, Bel-me-niet Register) "
                "as the advertiser's suppression list."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
