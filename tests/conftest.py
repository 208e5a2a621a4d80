import logging
from collections.abc import Iterator

import pytest

from ivr.logs import configure_logging


@pytest.fixture(autouse=True)
def _logs_to_stderr() -> Iterator[None]:
    """Every test starts with the product's logging (to stderr), whatever the last one set."""
    configure_logging("console", level=logging.DEBUG)
    yield
