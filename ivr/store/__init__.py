"""The records: calls, their evidence trail and the append-only opt-outs (SQLite)."""

from ivr.store.errors import (
    AlreadyRevoked,
    CallNotFound,
    OptOutNotFound,
    SchemaTooNew,
    StoreError,
)
from ivr.store.records import CallEventRecord, CallRecord
from ivr.store.store import Store

__all__ = [
    "AlreadyRevoked",
    "CallEventRecord",
    "CallNotFound",
    "CallRecord",
    "OptOutNotFound",
    "SchemaTooNew",
    "Store",
    "StoreError",
]
