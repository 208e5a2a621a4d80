"""CPU cost of the evidence hashing per row (docs/design.md 14.9): canonical text + SHA-256 link.

    .venv/bin/python benchmarks/evidence_hash.py [--rows 200000]

Times, on this process's CPU clock, what the writer adds per evidence row: encoding the
detail to its canonical text (which the store did before the chains too, in another
form) and the link ``H(prev + "\\n" + canonical(row))``; then the seal of a call over
``call_v1``. Rows are the per-playback kinds of a real call. The last line is one JSON
object with the figures.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from collections.abc import Callable

from ivr.store import chain
from ivr.store.rows import encode_detail

CALL_ID = "0f6a1d2e-3b4c-4d5e-8f90-a1b2c3d4e5f6"
AT = "2026-03-02T10:00:14.480000+00:00"
WAV = "9c1e0b7f" * 8
ROWS: list[tuple[str, dict[str, object]]] = [
    (
        "prompt_started",
        {
            "play_id": "p1",
            "media": ["welcome", "advertisers/acme", "menu"],
            "sha256": [WAV, WAV, WAV],
            "sha256_source": "local",
        },
    ),
    (
        "prompt_interrupted",
        {"play_id": "p1", "starts_ms": [0, 5210, 6940], "end_ms": 9120, "media_at_end": "menu"},
    ),
    ("digit", {"digit": "1"}),
]
CALL = {
    "id": CALL_ID, "channel_id": "1709373600.42", "asterisk": None, "advertiser": "acme",
    "campaign": "voorjaar", "agent": None, "script": None, "number": "+31612345678",
    "number_source": "caller_id", "caller_number": "0612345678", "lang": "nl",
    "profile": "nl-ctm2012", "profile_hash": WAV, "software_version": "0.1.0",
    "started_at": AT, "ended_at": AT, "outcome": "completed",
    "rights": '{"bel_me_niet":"heard","recht_van_verzet":"chosen"}', "evidence_complete": 1,
}  # fmt: skip


def per_call_us(work: Callable[[int], object], n: int) -> float:
    start = time.process_time()
    for i in range(n):
        work(i)
    return (time.process_time() - start) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    n = parser.parse_args().rows
    details = [encode_detail(detail) for _, detail in ROWS]
    prev = chain.event_seed(CALL_ID)

    def encode(i: int) -> object:
        return encode_detail(ROWS[i % 3][1])

    def link(i: int) -> object:
        kind = ROWS[i % 3][0]
        return chain.event_hash(prev, CALL_ID, i + 1, AT, kind, details[i % 3])

    texts = [
        chain.event_canonical(CALL_ID, 7, AT, kind, d)
        for (kind, _), d in zip(ROWS, details, strict=True)
    ]

    def bare_sha256(i: int) -> object:
        return hashlib.sha256((prev + "\n" + texts[i % 3]).encode()).hexdigest()

    def seal(i: int) -> object:
        return chain.call_head(prev, CALL)

    figures = {
        "rows": n,
        "encode_detail_us": round(per_call_us(encode, n), 2),
        "hash_link_us": round(per_call_us(link, n), 2),
        "bare_sha256_us": round(per_call_us(bare_sha256, n), 2),
        "seal_us": round(per_call_us(seal, n // 10), 2),
    }
    figures["evidence_row_us"] = round(figures["encode_detail_us"] + figures["hash_link_us"], 2)
    print(f"encode detail (canonical text)   {figures['encode_detail_us']:6.2f} µs/row")
    print(f"hash link H(prev + canonical)    {figures['hash_link_us']:6.2f} µs/row")
    print(f"  of which bare sha256 of text   {figures['bare_sha256_us']:6.2f} µs/row")
    print(f"per evidence row, both           {figures['evidence_row_us']:6.2f} µs/row")
    print(f"seal of a call (call_v1)         {figures['seal_us']:6.2f} µs/call")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
