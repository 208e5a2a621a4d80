"""Real ``ivr`` processes, for the tests that run them as an operator does: a simulated
Asterisk (``ivr simulate``), ``ivr serve`` against it, ``ivr api``."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks.harness import Proc, ivr_command, wait_until
from ivr.ports import free_port

PROMPTS = Path(__file__).resolve().parents[1] / "prompts"
IVR = (sys.executable, "-m", "ivr.cli")


def wait_for_port(port: int, deadline_s: float = 60.0) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port}")


@contextmanager
def simulated_asterisk(*options: str, prompts: Path = PROMPTS) -> Iterator[int]:
    """``ivr simulate`` with ``prompts`` on a free port, yielded once it listens."""
    port = free_port()
    process = subprocess.Popen(
        [*IVR, "simulate", "--port", str(port), "--prompts", str(prompts), *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield port
    finally:
        process.terminate()
        process.wait(30)


def _environment(**settings: str) -> dict[str, str]:
    """This process's environment without its ``IVR_*``, with JSON logs and ``settings``."""
    kept = {key: value for key, value in os.environ.items() if not key.startswith("IVR_")}
    return {**kept, "IVR_LOG_FORMAT": "json", **settings}


def start_serve(
    asterisk: int, db: str, cwd: Path, **settings: str
) -> tuple[subprocess.Popen[str], int]:
    """``ivr serve`` against the simulator on port ``asterisk`` with the shipped prompts, JSON
    logs on its stderr (a pipe) and no ``IVR_*`` of the caller's but ``settings``; and its
    HTTP port."""
    http_port = free_port()
    env = _environment(
        IVR_ARI_URL=f"http://127.0.0.1:{asterisk}",
        IVR_DB=db,
        IVR_PROMPTS_DIR=str(PROMPTS),
        IVR_HTTP_PORT=str(http_port),
        **settings,
    )
    process = subprocess.Popen(
        [*IVR, "serve", "--connect-timeout", "60"],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, http_port


def readyz(port: int) -> tuple[int, dict[str, Any]] | None:
    """``/readyz`` on ``port``: its status and body; None while nothing answers there."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())
    except (urllib.error.URLError, OSError):
        return None


def wait_ready(serve: subprocess.Popen[str], port: int, deadline_s: float = 90.0) -> None:
    """Until ``serve`` (from :func:`start_serve`, HTTP on ``port``) answers ``/readyz`` with
    200; AssertionError with its last answer, or its exit code and stderr once it exited."""
    end = time.monotonic() + deadline_s
    answer = None
    while time.monotonic() < end and serve.poll() is None:
        answer = readyz(port)
        if answer is not None and answer[0] == 200:
            return
        time.sleep(0.2)
    err = serve.stderr.read() if serve.poll() is not None and serve.stderr else ""
    raise AssertionError(
        f"ivr serve not ready (exit {serve.returncode}, /readyz {answer}): {err[-2000:]}"
    )


def start_api(workdir: Path, name: str = "api", **settings: str) -> tuple[Proc, str]:
    """``ivr api`` on a free loopback port with JSON logs (to ``workdir/<name>.log``) and no
    ``IVR_*`` of the caller's but ``settings``; the process and its URL."""
    port = free_port()
    env = _environment(IVR_HTTP_HOST="127.0.0.1", IVR_HTTP_PORT=str(port), **settings)
    api = Proc(name, [*ivr_command(), "api"], env, workdir / f"{name}.log", workdir)
    api.start()
    return api, f"http://127.0.0.1:{port}"


async def wait_api_ready(
    session: aiohttp.ClientSession, api: Proc, url: str, deadline_s: float = 90.0
) -> None:
    """Until ``api`` (from :func:`start_api`, at ``url``) answers ``/readyz`` with 200;
    AssertionError with the tail of its log as soon as it exited."""

    async def ready() -> bool:
        if not api.alive():
            raise AssertionError(f"{api.name} exited: {api.log_path.read_text()[-2000:]}")
        async with session.get(url + "/readyz") as response:
            return response.status == 200

    await wait_until(ready, deadline_s, f"{api.name}'s /readyz", poll_s=0.1)
