"""docs/evidence-hashes.md: every value of the worked example, recomputed from its rows."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from ivr.store import chain

DOC = Path(__file__).parents[2] / "docs" / "evidence-hashes.md"


def blocks() -> dict[str, str]:
    """The doc's fenced blocks by their name (```text hash-1)."""
    found = re.findall(
        r"^```\w+ ([\w-]+)\n(.*?)\n```$", DOC.read_text(encoding="utf-8"), re.M | re.S
    )
    return dict(found)


def h(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_the_worked_example_holds_byte_for_byte() -> None:
    doc = blocks()
    events = [json.loads(doc[f"event-{n}"]) for n in (1, 2, 3)]
    call_id = events[0]["call_id"]

    prev = h("ivr-evidence-v1:" + call_id)
    assert doc["seed"] == prev == chain.event_seed(call_id)
    for n, event in enumerate(events, 1):
        canonical = chain.event_canonical(
            event["call_id"], event["seq"], event["at"], event["kind"], event["detail"]
        )
        assert canonical == doc[f"canonical-{n}"]
        assert json.loads(canonical)["detail"] == json.loads(event["detail"])
        prev = h(prev + "\n" + canonical)
        assert prev == doc[f"hash-{n}"] == event["hash"]

    call = json.loads(doc["call-row"])
    assert chain.call_canonical(call) == doc["call-v1"]
    assert list(json.loads(doc["call-v1"])) == sorted(chain.CALL_V1)
    head = h(prev + "\n" + doc["call-v1"])
    assert head == doc["evidence-head"]

    root = h(f"{call_id}:{head}")
    assert root == doc["calls-root"] == chain.calls_root([f"{call_id}:{head}"])
    checkpoint = json.loads(doc["checkpoint"])
    assert checkpoint["calls_root"] == root
    assert checkpoint["prev"] == h("ivr-checkpoints-v1")
    assert checkpoint["optouts_head"] == h("ivr-optouts-v1")
    assert checkpoint["consents_head"] == h("ivr-consents-v1")
    fields = {k: v for k, v in checkpoint.items() if k not in ("prev", "hash")}
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert checkpoint["hash"] == h(checkpoint["prev"] + "\n" + text)
    assert checkpoint["hash"] == chain.checkpoint_hash(checkpoint["prev"], checkpoint)
