"""Browser tests of ``/ui``: Playwright drives Debian's Chromium against a real ``ivr api``
process whose database was filled by calls through the simulator (``ivr demo``).

One server and one browser per pytest-xdist worker; each test opens its own browser
context (its own cookies). Without a Chromium the tests are skipped, said plainly, and
``IVR_REQUIRE_BROWSER=1`` (CI) turns that skip into a failure.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ivr.ports import free_port

HERE = Path(__file__).parent
AXE = HERE / "vendor" / "axe.min.js"
ARTEFACTS = HERE / "artefacts"
IVR = Path(sys.executable).with_name("ivr")
DEADLINE_S = 60.0
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
TOKENS = {"reader": "read-secret-1", "writer": "write-secret-1", "beta": "beta-secret-1"}


def chromium_path() -> str | None:
    for candidate in (os.environ.get("IVR_CHROMIUM"), "/usr/bin/chromium"):
        if candidate and Path(candidate).exists():
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _no_browser(reason: str) -> None:
    if os.environ.get("IVR_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}, and IVR_REQUIRE_BROWSER=1: install chromium (apt-get)")
    pytest.skip(f"browser tests skipped: {reason}")


@dataclass(frozen=True)
class UiServer:
    url: str
    db: Path


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"ivr api exited: {log.read_text()[-2000:]}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(url + "/healthz", timeout=2) as answer,
        ):
            if answer.status == 200:
                return
        time.sleep(0.1)
    raise AssertionError(f"ivr api not ready in {DEADLINE_S}s: {log.read_text()[-2000:]}")


REGISTER_NUMBER = "0623456789"


def _seed_register_row(url: str) -> None:
    """A Bel-me-niet totaal registration through the API, as the demo's caller makes it:
    the pages' tests then do not hang on the demo's timing."""
    body = {
        "number": REGISTER_NUMBER,
        "advertiser": "acme",
        "kind": "bel_me_niet",
        "scope": "all",
        "charities": True,
        "agent": "seed",
    }
    request = urllib.request.Request(
        url + "/v1/optouts",
        data=json.dumps(body).encode(),
        headers={
            "Authorization": f"Bearer {TOKENS['writer']}",
            "Content-Type": "application/json",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status in (200, 201)


@pytest.fixture(scope="session")
def ui_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UiServer]:
    """``ivr demo`` fills a database through the simulator, then ``ivr api`` serves it."""
    folder = tmp_path_factory.mktemp("ui")
    db = folder / "calls.sqlite3"
    subprocess.run(
        [str(IVR), "demo", "--db", str(db), "--speed", "20"],
        check=True,
        capture_output=True,
        timeout=DEADLINE_S * 2,
    )
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("IVR_")},
        "IVR_DB": str(db),
        "IVR_HTTP_PORT": str(port),
        "IVR_API_TOKENS": ",".join(
            [
                f"{TOKENS['reader']}:read::reader",
                f"{TOKENS['writer']}:write::writer",
                f"{TOKENS['beta']}:write:beta:beta-desk",
            ]
        ),
        "IVR_ADVERTISERS": json.dumps({"acme": {"name": "Acme"}, "beta": {"name": "Beta"}}),
        "IVR_DEFAULT_ADVERTISER": "acme",
        "IVR_UI_SECRET": "browser-test-secret",
        "IVR_LOG_FORMAT": "json",
    }
    log = folder / "api.log"
    with log.open("wb") as out:
        process = subprocess.Popen([str(IVR), "api"], env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, process, log)
        _seed_register_row(url)
        yield UiServer(url, db)
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="session")
def browser_thread() -> Iterator[ThreadPoolExecutor]:
    """The one thread that talks to the browser. Playwright's sync API keeps an event
    loop running in its thread, which would stop every asyncio test that pytest-xdist
    sends to this worker afterwards; in a thread of its own it stops none."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="browser") as thread:
        yield thread


@pytest.fixture(scope="session")
def browser(browser_thread: ThreadPoolExecutor) -> Iterator[Any]:
    path = chromium_path()
    if path is None:
        _no_browser("no Chromium found (/usr/bin/chromium or IVR_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _no_browser("playwright is not installed (pip install -e '.[test]')")

    def launch() -> tuple[Any, Any]:
        playwright = sync_playwright().start()
        return playwright, playwright.chromium.launch(executable_path=path, args=BROWSER_ARGS)

    playwright, launched = browser_thread.submit(launch).result()
    yield launched

    def stop() -> None:
        launched.close()
        playwright.stop()

    browser_thread.submit(stop).result()


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """A browser test runs in the browser's thread."""
    thread = pyfuncitem.funcargs.get("browser_thread")
    if not isinstance(thread, ThreadPoolExecutor):
        return None
    names = pyfuncitem._fixtureinfo.argnames
    arguments = {name: pyfuncitem.funcargs[name] for name in names}
    thread.submit(pyfuncitem.obj, **arguments).result()
    return True


@pytest.fixture
def new_page(
    browser: Any, ui_server: UiServer, browser_thread: ThreadPoolExecutor
) -> Iterator[Any]:
    """Opens pages in a fresh context (own cookies), English or Dutch as asked."""
    contexts: list[Any] = []

    def make(locale: str = "nl-NL") -> Any:
        context = browser.new_context(base_url=ui_server.url, locale=locale, accept_downloads=True)
        context.set_default_timeout(DEADLINE_S * 1000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        browser_thread.submit(context.close).result()


def sign_in(page: Any, who: str, english: bool = False) -> None:
    """Sign in on the login form, read in Dutch (or English, for a page opened in en-US)."""
    page.goto("/ui/login")
    page.get_by_label("API token" if english else "API-token").fill(TOKENS[who])
    page.get_by_role("button", name="Sign in" if english else "Aanmelden").click()
    page.wait_for_url("**/ui/")


def check_page(page: Any, name: str) -> None:
    """axe-core finds no serious or critical violation, at desktop and at 390 px wide;
    a screenshot of each is kept as a test artefact."""
    ARTEFACTS.mkdir(exist_ok=True)
    for width, suffix in ((1200, ""), (390, "-390")):
        page.set_viewport_size({"width": width, "height": 900})
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => await axe.run(document)")
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not bad, f"{name} at {width}px: {bad}"
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width + 1, f"{name} scrolls sideways at {width}px ({overflow}px)"
        page.screenshot(path=str(ARTEFACTS / f"{name}{suffix}.png"), full_page=True)
