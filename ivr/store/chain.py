"""The hash chains of the evidence, byte for byte (docs/design.md 14.9, 14.11, 15.35).

Pure functions over plain values, the same on every backend: every hash is the
lowercase hex SHA-256 of UTF-8 text, a link is ``H(prev + "\\n" + canonical)``,
and ``canonical`` is JSON with sorted keys, separators ``,`` and ``:`` and
non-ASCII kept.  A call event's ``detail`` enters as the text stored (already
canonical), never re-encoded; every other JSON column enters as its value.
Times enter as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from json.encoder import encode_basestring as _string  # a JSON string, non-ASCII kept
from typing import Any

EVENT_SEED_PREFIX = "ivr-evidence-v1:"
OPTOUTS_SEED = "ivr-optouts-v1"
CONSENTS_SEED = "ivr-consents-v1"
SEALS_SEED = "ivr-seals-v1"
CHECKPOINTS_SEED = "ivr-checkpoints-v1"

CALL_V1 = (
    "id", "channel_id", "asterisk", "advertiser", "campaign", "agent", "script", "number",
    "number_source", "caller_number", "lang", "profile", "profile_hash", "software_version",
    "started_at", "ended_at", "outcome", "rights", "evidence_complete",
)  # fmt: skip
"""The fields of a call that its seal covers (frozen: a later version gets a new name)."""
OPTOUTS_V1 = (
    "id", "number", "advertiser", "kind", "scope", "charities", "source", "agent", "call_id",
    "created_at", "created_by", "revokes", "reason", "requested_by",
)  # fmt: skip
CHECKPOINT_FIELDS = (
    "seq", "at", "seal_from", "seal_to", "calls_root", "optouts_head", "optouts_seq",
    "consents_head", "consents_seq",
)  # fmt: skip
"""The fields of a checkpoint its ``hash`` covers (all but ``prev`` and ``hash``)."""
_CALL_TIMES = frozenset({"started_at", "ended_at"})
_CALL_JSON = frozenset({"rights"})
_CALL_BOOLS = frozenset({"evidence_complete"})


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def link(prev: str, canonical_text: str) -> str:
    """One step of a chain."""
    return sha256_hex(prev + "\n" + canonical_text)


@dataclass(frozen=True, slots=True)
class RawJson:
    """JSON text that enters a canonical form as it is (a stored ``detail``)."""

    text: str


_CANONICAL = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
)


def canonical_json(value: Any) -> str:
    """The canonical text of a JSON value (also how a ``detail`` is stored)."""
    return _CANONICAL.encode(value)


def canonical(fields: Mapping[str, Any]) -> str:
    """Canonical JSON of an object whose values may include :class:`RawJson`."""
    if not any(isinstance(value, RawJson) for value in fields.values()):
        return canonical_json(dict(fields))  # one C call: the same text, a tenth of the time
    parts = []
    for key in sorted(fields):
        value = fields[key]
        text = value.text if isinstance(value, RawJson) else canonical_json(value)
        parts.append(canonical_json(key) + ":" + text)
    return "{" + ",".join(parts) + "}"


def hash_time(value: datetime | str | None) -> str | None:
    """A time as hashed: UTC with microseconds and ``Z``; ``None`` stays ``None``."""
    if value is None:
        return None
    if isinstance(value, str) and len(value) == 32 and value.endswith("+00:00"):
        return value[:26] + "Z"  # how SQLite keeps it: the same instant, only the suffix differs
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        raise ValueError(f"a naive time cannot be hashed: {value!r}")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def json_value(text: str | None) -> Any:
    """A JSON column's value (``None`` for SQL null)."""
    return None if text is None else json.loads(text)


# -- call events


def event_seed(call_id: str) -> str:
    return sha256_hex(EVENT_SEED_PREFIX + call_id)


def event_canonical(call_id: str, seq: int, at: datetime | str, kind: str, detail_text: str) -> str:
    """:func:`canonical` of ``{call_id, seq, at, kind, detail}``, spelled out (the hot path:
    one per evidence row)."""
    return (
        f'{{"at":{_string(hash_time(at) or "")},"call_id":{_string(call_id)},'
        f'"detail":{detail_text},"kind":{_string(kind)},"seq":{int(seq)}}}'
    )


def event_hash(
    prev: str, call_id: str, seq: int, at: datetime | str, kind: str, detail_text: str
) -> str:
    return link(prev, event_canonical(call_id, seq, at, kind, detail_text))


# -- calls


def call_canonical(call: Mapping[str, Any]) -> str:
    """``call_v1`` of a call row as stored (``rights`` JSON text, booleans as 0/1 or bool)."""
    fields: dict[str, Any] = {}
    for name in CALL_V1:
        value = call.get(name)
        if name in _CALL_TIMES:
            value = hash_time(value)
        elif name in _CALL_JSON:
            value = json_value(value)
        elif name in _CALL_BOOLS:
            value = None if value is None else bool(value)
        fields[name] = value
    return canonical(fields)


def call_head(last_event_hash: str, call: Mapping[str, Any]) -> str:
    """The seal: ``H(last event hash + "\\n" + canonical(call_v1))``."""
    return link(last_event_hash, call_canonical(call))


def seal_line(call_id: str, evidence_head: str) -> str:
    return f"{call_id}:{evidence_head}"


def calls_root(lines: Iterable[str]) -> str:
    """H of the ``call_id:evidence_head`` lines sorted, joined by newlines (none: ``H("")``)."""
    return sha256_hex("\n".join(sorted(lines)))


# -- opt-outs


def optout_canonical(row: Mapping[str, Any]) -> str:
    """``optouts_v1`` of an opt-out row as stored (scope JSON text, charities 0/1)."""
    fields: dict[str, Any] = {name: row.get(name) for name in OPTOUTS_V1}
    fields["scope"] = json_value(fields["scope"])
    charities = fields["charities"]
    fields["charities"] = None if charities is None else bool(charities)
    fields["created_at"] = hash_time(fields["created_at"])
    return canonical(fields)


def optout_values_canonical(values: Sequence[Any]) -> str:
    """:func:`optout_canonical` of a row given as its values in :data:`OPTOUTS_V1` order,
    spelled out (the hot path: one per opt-out recorded)."""
    (
        optout_id, number, advertiser, kind, scope, charities, source, agent, call_id,
        created_at, created_by, revokes, reason, requested_by,
    ) = values  # fmt: skip
    return (
        f'{{"advertiser":{_text(advertiser)},"agent":{_text(agent)},"call_id":{_text(call_id)},'
        f'"charities":{_flag(charities)},"created_at":{_text(hash_time(created_at))},'
        f'"created_by":{_text(created_by)},"id":{_text(optout_id)},"kind":{_text(kind)},'
        f'"number":{_text(number)},"reason":{_text(reason)},'
        f'"requested_by":{_text(requested_by)},"revokes":{_text(revokes)},'
        f'"scope":{_json_column(scope)},"source":{_text(source)}}}'
    )


def _text(value: Any) -> str:
    if value is None:
        return "null"
    return _string(value) if type(value) is str else canonical_json(value)


def _flag(value: Any) -> str:
    return "null" if value is None else "true" if value else "false"


@functools.lru_cache(maxsize=256)
def _json_column(text: str | None) -> str:
    """A JSON column's canonical text (few distinct values: an opt-out's scope)."""
    return canonical_json(json_value(text))


def optout_hash(prev: str, row: Mapping[str, Any]) -> str:
    return link(prev, optout_canonical(row))


class ImportLinks:
    """:func:`optout_hash` for rows alike but for ``id`` and ``number`` (an imported list),
    byte for byte, with the fields they share encoded once instead of once a row."""

    _ID = "\x00id\x00"
    _NUMBER = "\x00number\x00"

    def __init__(self, row: Mapping[str, Any]) -> None:
        text = optout_canonical({**row, "id": self._ID, "number": self._NUMBER})
        self._head, rest = text.split(canonical_json(self._ID))
        self._middle, self._tail = rest.split(canonical_json(self._NUMBER))

    def link(self, prev: str, optout_id: str, number: str) -> str:
        text = self._head + _json_text(optout_id) + self._middle + _json_text(number) + self._tail
        return sha256_hex(prev + "\n" + text)

    def hashes(self, prev: str, ids: Sequence[str], numbers: Sequence[str]) -> list[str]:
        """:meth:`link` along rows, each link the next one's ``prev``: the rows' hashes.
        Plain text (what an import's ids and E.164 numbers are) skips the encoder, checked
        once for all of them."""
        if not _plain("".join(ids) + "".join(numbers)):
            found = []
            for optout_id, number in zip(ids, numbers, strict=True):
                prev = self.link(prev, optout_id, number)
                found.append(prev)
            return found
        head, middle, tail = self._head + '"', '"' + self._middle + '"', '"' + self._tail
        sha256 = hashlib.sha256
        found = []
        for optout_id, number in zip(ids, numbers, strict=True):
            prev = sha256(f"{prev}\n{head}{optout_id}{middle}{number}{tail}".encode()).hexdigest()
            found.append(prev)
        return found


def _plain(value: str) -> bool:
    """Whether :func:`canonical_json` writes ``value`` as it is, between quotes."""
    return value.isascii() and value.isprintable() and '"' not in value and "\\" not in value


def _json_text(value: str) -> str:
    """A string as :func:`canonical_json` writes it; plain ids and numbers skip the encoder."""
    if _plain(value):
        return '"' + value + '"'
    return canonical_json(value)


# -- checkpoints


def checkpoint_hash(prev: str, checkpoint: Mapping[str, Any]) -> str:
    fields = {name: checkpoint[name] for name in CHECKPOINT_FIELDS}
    fields["at"] = hash_time(fields["at"])
    return link(prev, canonical(fields))


def seed(name: str) -> str:
    """The first ``prev`` of a table chain: ``H(name)``."""
    return sha256_hex(name)
