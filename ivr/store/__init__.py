"""The records: calls, their evidence trail and the append-only opt-outs (SQLite)."""

from ivr.store.errors import (
    AlreadyRevoked,
    AlreadyWithdrawn,
    CallNotFound,
    ConsentNotFound,
    OptOutNotFound,
    SchemaTooNew,
    StoreError,
)
from ivr.store.records import CallEventRecord, CallRecord
from ivr.store.store import Store

__all__ = [
    "AlreadyRevoked",
    "AlreadyWithdrawn",
    "CallEventRecord",
    "CallNotFound",
    "CallRecord",
    "ConsentNotFound",
    "OptOutNotFound",
    "SchemaTooNew",
    "Store",
    "StoreError",
]
