"""The service's Prometheus metrics, on one registry per process (or per test).

Nothing is registered on ``prometheus_client``'s global default registry, so two
apps in one test run never collide.
"""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True)
class Metrics:
    registry: CollectorRegistry
    calls: Counter
    optouts: Counter
    refusals: Counter
    transfer_attempts: Counter
    ari_reconnects: Counter
    ari_connected: Gauge
    calls_active: Gauge
    request_latency: Histogram
    store_errors: Counter
    calls_without_advertiser: Counter
    evidence_write_failures: Counter
    late_events: Counter
    prompt_failures: Counter
    rights: Counter

    @classmethod
    def create(cls) -> Metrics:
        registry = CollectorRegistry(auto_describe=True)
        return cls(
            registry=registry,
            calls=Counter("ivr_calls", "Calls ended, by outcome.", ["outcome"], registry=registry),
            optouts=Counter(
                "ivr_optouts",
                "Opt-outs recorded, by kind and source.",
                ["kind", "source"],
                registry=registry,
            ),
            refusals=Counter(
                "ivr_refusals",
                "Calls or hand-offs refused (voicemail, voicemail target), by reason.",
                ["reason"],
                registry=registry,
            ),
            transfer_attempts=Counter(
                "ivr_transfer_attempts",
                "Transfers asked by the caller's phone, by kind.",
                ["kind"],
                registry=registry,
            ),
            ari_reconnects=Counter(
                "ivr_ari_reconnects", "ARI WebSocket reconnects.", registry=registry
            ),
            ari_connected=Gauge(
                "ivr_ari_connected", "1 while the ARI WebSocket is connected.", registry=registry
            ),
            calls_active=Gauge("ivr_calls_active", "Calls in the IVR now.", registry=registry),
            request_latency=Histogram(
                "ivr_http_request_duration_seconds",
                "HTTP API request latency, by route template and method.",
                ["route", "method"],
                buckets=LATENCY_BUCKETS,
                registry=registry,
            ),
            store_errors=Counter(
                "ivr_store_errors", "Database operations that failed.", registry=registry
            ),
            calls_without_advertiser=Counter(
                "ivr_calls_without_advertiser",
                "Calls with no advertiser= in Stasis() and no default (fix the dialplan).",
                registry=registry,
            ),
            evidence_write_failures=Counter(
                "ivr_evidence_write_failures",
                "Evidence rows that could not be written (the call is sealed incomplete).",
                registry=registry,
            ),
            late_events=Counter(
                "ivr_late_events",
                "Evidence that arrived after its call was sealed (logged, not stored).",
                registry=registry,
            ),
            prompt_failures=Counter(
                "ivr_prompt_failures",
                "Prompts that failed to play (not a hang-up), by prompt.",
                ["prompt"],
                registry=registry,
            ),
            rights=Counter(
                "ivr_rights",
                "Calls ended, by right of the profile and its verdict.",
                ["right", "verdict"],
                registry=registry,
            ),
        )

    def exposition(self) -> bytes:
        """The registry in the Prometheus text format."""
        return generate_latest(self.registry)
