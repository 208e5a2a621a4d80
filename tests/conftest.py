import gc
import itertools
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from ivr.logs import configure_logging
from tests import postgres, sql

# The machine running the suite is shared (CI, a laptop, 2 cores under a full run): an
# example's wall time says nothing about the code under test, so no property test has a
# deadline or fails for being slow to generate data. Behaviour stays deterministic (the
# virtual clock), only the wall time varies.
settings.register_profile("ivr", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ivr")

BACKENDS = ("sqlite", "postgresql")
_databases = itertools.count(1)


@pytest.fixture(autouse=True)
def _logs_to_stderr() -> Iterator[None]:
    """Every test starts with the product's logging (to stderr), whatever the last one set."""
    configure_logging("console", level=logging.DEBUG)
    yield


@pytest.fixture(autouse=True)
def _collector_as_found() -> Iterator[None]:
    """A test that runs ``ivr serve`` in-process leaves the collector as the service sets it
    (start-up frozen, a young generation of 10,000), one of ``ivr.gc_pause`` may leave it
    off: put it back for the tests after it."""
    enabled, threshold, frozen = gc.isenabled(), gc.get_threshold(), gc.get_freeze_count()
    yield
    if gc.get_freeze_count() != frozen:
        gc.unfreeze()
    gc.set_threshold(*threshold)
    (gc.enable if enabled else gc.disable)()


def _session_folder(base: Path) -> Path:
    """The folder every process of the session shares (xdist workers live one below)."""
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> postgres.Server:
    return postgres.shared(_session_folder(tmp_path_factory.getbasetemp()))


def pytest_unconfigure(config: pytest.Config) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    factory = getattr(config, "_tmp_path_factory", None)
    if factory is not None and getattr(factory, "_basetemp", None) is not None:
        postgres.release(factory.getbasetemp())


@pytest.fixture
def new_postgres_database(
    postgres_server: postgres.Server, request: pytest.FixtureRequest
) -> Callable[[], str]:
    """Makes new, empty databases for one test (each dropped after it); their URLs."""

    def make() -> str:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        name = f"{postgres_server.prefix}_{worker}_{next(_databases)}"
        sql.rows(postgres_server.url, f'CREATE DATABASE "{name}" TEMPLATE template0')
        request.addfinalizer(
            lambda: sql.rows(postgres_server.url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        )
        return postgres_server.database_url(name)

    return make


@pytest.fixture
def postgres_url(new_postgres_database: Callable[[], str]) -> str:
    """A new, empty database of its own for one test; dropped after it."""
    return new_postgres_database()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """``IVR_DB`` of a new, empty database on each backend."""
    if backend == "sqlite":
        return f"sqlite:{tmp_path / 'ivr.sqlite3'}"
    return str(request.getfixturevalue("postgres_url"))
