"""Domain errors. Channels map them to their own answers (HTTP codes live in channels.http)."""

from __future__ import annotations


class Civic311Error(Exception):
    """Base class: `message` is safe to show to the caller (never carries personal data)."""

    def __init__(self, message: str, *, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class InvalidInput(Civic311Error):
    """The request cannot be understood or breaks a rule; the caller can fix it."""


class NotFound(Civic311Error):
    """The thing asked for does not exist (or is not visible to this caller)."""


class Unauthenticated(Civic311Error):
    """No valid credential was presented."""


class Forbidden(Civic311Error):
    """A credential was presented but does not allow this action."""


class Conflict(Civic311Error):
    """The request clashes with the current state (e.g. a request already closed)."""


class KeyReused(Civic311Error):
    """An idempotency key sent again, within its retention, with a request that is not the one it made."""


class TooManyRequests(Civic311Error):
    """The caller used up its quota; it may try again after `retry_after` seconds."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)


class DependencyUnavailable(Civic311Error):
    """A downstream service failed after retries; nothing was lost, the caller may retry."""
