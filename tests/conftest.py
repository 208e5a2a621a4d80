from collections.abc import Iterator

import pytest
import structlog


@pytest.fixture(autouse=True)
def _fresh_structlog() -> Iterator[None]:
    """A command under test may configure logging; the next test starts from the defaults."""
    yield
    structlog.reset_defaults()
