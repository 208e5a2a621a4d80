"""structlog set-up: JSON in production, readable on a terminal; numbers masked."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any, Literal

import structlog

LogFormat = Literal["console", "json"]

_DIGITS = re.compile(r"\d")


def mask_number(number: str | None) -> str | None:
    """``+31612345678`` → ``+3161234****``: enough to tell calls apart, not to call back."""
    if not number:
        return number
    digits = [i for i, ch in enumerate(number) if ch.isdigit()]
    if len(digits) <= 4:
        return _DIGITS.sub("*", number)
    hidden = set(digits[-4:])
    return "".join("*" if i in hidden else ch for i, ch in enumerate(number))


_NUMBER_KEYS = frozenset({"number", "caller", "caller_number", "keyed", "msisdn"})


def _mask_numbers(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key in _NUMBER_KEYS & event_dict.keys():
        value = event_dict[key]
        if isinstance(value, str):
            event_dict[key] = mask_number(value)
    return event_dict


def _stderr_logger(*_args: Any) -> structlog.PrintLogger:
    """Whatever ``sys.stderr`` is when the line is written (tests swap it)."""
    return structlog.PrintLogger(file=sys.stderr)


def default_format() -> LogFormat:
    return "console" if sys.stderr.isatty() else "json"


def configure_logging(fmt: LogFormat | None = None, level: int = logging.INFO) -> None:
    """Configure structlog once per process; logs go to stderr."""
    fmt = fmt or default_format()
    renderer: Any = (
        structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
        if fmt == "console"
        else structlog.processors.JSONRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _mask_numbers,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=_stderr_logger,
        cache_logger_on_first_use=False,
    )
