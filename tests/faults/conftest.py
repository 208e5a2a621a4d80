"""The in-process world of ``tests/calls`` (service and simulator on one virtual clock)."""

from __future__ import annotations

from tests.calls.conftest import world

__all__ = ["world"]
