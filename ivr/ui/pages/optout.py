"""``/ui/invoeren``: an opt-out as an agent takes it, once per form (its idempotency key);
``/ui/intrekken/{optout_id}``: a revocation at the consumer's request. Both run the
API's own functions (:func:`enter_optout`, :func:`revoke_entry`, :func:`answer_once`)."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from multidict import MultiDictProxy
from pydantic import ValidationError

from ivr.api.context import context_of, principal_of
from ivr.api.errors import ApiError, from_validation
from ivr.api.idempotency import answer_once, checked_key, fingerprint
from ivr.api.routes.optouts import enter_optout, revoke_entry
from ivr.api.schemas import OptOutCreate, OptOutEntry, RevokeRequest
from ivr.suppressions import InputError
from ivr.ui.guard import LANG
from ivr.ui.render import chosen_advertiser, render, require_write
from ivr.ui.texts import text

FormData = MultiDictProxy[Any]


def _form_values(request: web.Request, form: FormData | None) -> dict[str, Any]:
    ctx = context_of(request)
    asked = request.query.get("advertiser") if form is None else _text(form, "advertiser")
    advertiser = chosen_advertiser(request, asked)
    profile = ctx.regimes.profile_for(advertiser, ctx.clock.now())
    values: dict[str, Any] = {
        "categories": [(c.id, c.name) for c in profile.categories],
        "rights": list(profile.rights),
        "form": {
            "number": "",
            "what": "",
            "charities": "",
            "agent": "",
            "chosen": [],
            "key": uuid.uuid4().hex,
            "advertiser": advertiser,
        },
        "problem": None,
        "saved": None,
    }
    if form is not None:
        values["form"] = {
            **values["form"],
            **{k: str(form.get(k, "")) for k in ("number", "what", "charities", "agent")},
            "chosen": [str(c) for c in form.getall("category", [])],
            "key": str(form.get("idempotency_key", "")) or uuid.uuid4().hex,
            "advertiser": advertiser,
        }
    return values


async def optout_form(request: web.Request) -> web.Response:
    require_write(request)
    return render(request, "invoeren.html", _form_values(request, None))


def _text(form: FormData, name: str) -> str | None:
    return str(form.get(name, "")).strip() or None


def optout_body(form: FormData) -> OptOutCreate:
    """The form as the API's body: register totaal needs the charities answer."""
    what = str(form.get("what", ""))
    kind = what if what in ("recht_van_verzet", "do_not_call") else "bel_me_niet"
    body: dict[str, Any] = {
        "number": str(form.get("number", "")),
        "advertiser": str(form.get("advertiser", "")),
        "kind": kind if what else "",
        "agent": str(form.get("agent", "")).strip() or None,
    }
    if what == "some":
        body["scope"] = [str(c) for c in form.getall("category", [])]
    elif what == "all":
        body["scope"] = "all"
        body["charities"] = {"block": True, "allow": False}.get(str(form.get("charities")))
    return OptOutCreate.model_validate(body)


async def enter(request: web.Request) -> web.Response:
    require_write(request)
    form = await request.post()
    values = _form_values(request, form)
    try:
        body = optout_body(form)
        if body.agent is None:
            raise InputError("agent_required", text(request[LANG], "agent_id"))
        key = checked_key(str(form.get("idempotency_key", "")))
        ctx = context_of(request)
        principal = principal_of(request)

        async def produce() -> web.StreamResponse:
            row, created = await enter_optout(ctx, principal, body)
            answer = OptOutEntry.of(row).model_dump_json()
            return web.json_response(text=answer, status=201 if created else 200)

        said = await answer_once(
            request, key, fingerprint("POST", request.path, body.model_dump(mode="json")), produce
        )
    except ValidationError as exc:
        return _refused(request, values, from_validation(exc).message)
    except InputError as exc:
        return _refused(request, values, exc.message)
    except ApiError as exc:
        if exc.status != 422 and exc.code not in ("bad_idempotency_key", "idempotency_conflict"):
            raise
        return _refused(request, values, exc.message)
    assert isinstance(said, web.Response) and said.text is not None
    values["saved"] = OptOutEntry.model_validate_json(said.text)
    values["created"] = said.status == 201
    values["form"]["key"] = uuid.uuid4().hex
    return render(request, "invoeren.html", values, status=said.status)


def _refused(request: web.Request, values: dict[str, Any], message: str) -> web.Response:
    values["problem"] = message
    return render(request, "invoeren.html", values, status=422)


async def revoke(request: web.Request) -> web.StreamResponse:
    require_write(request)
    ctx = context_of(request)
    principal = principal_of(request)
    optout_id = request.match_info["optout_id"]
    target = await ctx.store.get_optout(optout_id)
    if target is None or not principal.may_act_for(target.advertiser):
        raise web.HTTPNotFound()
    form = await request.post()
    try:
        body = RevokeRequest(
            reason=str(form.get("reason", "")).strip(),
            requested_by=str(form.get("requested_by", "")).strip(),
        )
    except ValidationError as exc:
        raise from_validation(exc) from None
    await revoke_entry(ctx, principal, optout_id, body)
    back = urlencode({"n": target.number, "advertiser": target.advertiser})
    raise web.HTTPSeeOther(f"/ui/nummer?{back}")
