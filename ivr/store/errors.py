"""What the store raises; callers match on the type, never on the text."""

from __future__ import annotations


class StoreError(Exception):
    """The database could not do what was asked (disk full, locked, closed, corrupt)."""


class IntegrityViolation(Exception):
    """A row the database would not take (our own check, alongside the backends' errors)."""


class SchemaTooNew(StoreError):
    """The database was migrated by a newer ``ivr`` than this one."""


class OptOutNotFound(LookupError):
    """No opt-out with that id (a revocation row is not an opt-out either)."""


class AlreadyRevoked(Exception):
    """The opt-out already has a revocation; opt-outs are revoked once."""


class CallNotFound(LookupError):
    """No call with that id."""


class ConsentNotFound(LookupError):
    """No consent with that id (a withdrawal row is not a consent either)."""


class AlreadyWithdrawn(Exception):
    """The consent already has a withdrawal; a consent is withdrawn once."""
