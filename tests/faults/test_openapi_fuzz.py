"""schemathesis against ``/openapi.json`` of a real ``ivr api`` process: no 5xx, no answer
outside the schema (a short budget, for CI)."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import positive_data_acceptance

from benchmarks.harness import ivr_command
from ivr.ports import free_port

TOKEN = "fuzz-token-1"  # write scope, every advertiser
EXAMPLES = 30


@pytest.fixture(scope="module")
def api_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir: Path = tmp_path_factory.mktemp("api")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("IVR_")}
    env.update(
        {
            "IVR_DB": str(workdir / "ivr.sqlite3"),
            "IVR_HTTP_HOST": "127.0.0.1",
            "IVR_HTTP_PORT": str(port),
            "IVR_API_TOKENS": f"{TOKEN}:write",
            "IVR_LOG_FORMAT": "json",
        }
    )
    with (workdir / "api.log").open("wb") as log:
        process = subprocess.Popen(
            [*ivr_command(), "api"], env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if requests.get(url + "/healthz", timeout=5).status_code == 200:
                        break
                except requests.ConnectionError:
                    pass
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(
                        "ivr api did not come up: " + (workdir / "api.log").read_text()
                    )
                time.sleep(0.1)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=30)


def test_api_answers_within_its_schema_and_never_5xx(api_url: str) -> None:
    """Every operation of the document, a few generated requests each (schemathesis checks:
    no 5xx, status and body as documented, content type, headers).  A schema-valid value
    may still be refused with 422 (a string that is no phone number, an unknown category):
    the document cannot say what a valid number is, so that one check is left out."""
    schema = schemathesis.openapi.from_url(api_url + "/openapi.json")
    operations = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()
        operations.append(result.ok())
    assert len(operations) >= 5
    for operation in operations:

        @settings(
            max_examples=EXAMPLES,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def call(case: Any) -> None:
            case.call_and_validate(
                base_url=api_url,
                headers={"Authorization": f"Bearer {TOKEN}"},
                excluded_checks=[positive_data_acceptance],
            )

        call()
