"""The SDK's exception tree: callers catch what they can act on, or ``TraitbaseError`` for all."""

from __future__ import annotations

from typing import Any


class TraitbaseError(Exception):
    """Base of every error the SDK raises."""


class Unreachable(TraitbaseError):
    """The server could not be reached (connection refused, timed out, ...) after every retry."""


class InvalidRow(TraitbaseError, ValueError):
    """A row handed to an upload cannot be sent (no ``user_id``); nothing of its batch was sent."""

    def __init__(self, message: str, *, row: int) -> None:
        super().__init__(message)
        self.row = row


class BadToken(TraitbaseError, ValueError):
    """The client's token cannot be used for this call (HTTP Basic faces need ``tb-<key id>.<secret>``)."""


class JobFailed(TraitbaseError):
    """A background job (a profile import) ended ``Failed``; ``status`` is its last status."""

    def __init__(self, message: str, status: Any) -> None:
        super().__init__(message)
        self.status = status


class WaitTimeout(TraitbaseError, TimeoutError):
    """``wait()`` gave up after its ``timeout``; the job goes on on the server. ``status`` is the last one seen."""

    def __init__(self, message: str, status: Any) -> None:
        super().__init__(message)
        self.status = status


class APIError(TraitbaseError):
    """The server answered with an error status; ``message`` is the server's own."""

    def __init__(self, status: int, message: str, body: Any = None) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message
        self.body = body


class AuthError(APIError):
    """401 (missing, unknown or revoked key) or 403 (the key lacks a scope or reaches another tenant)."""


class NotFound(APIError):
    """404: the project, key or user does not exist (or is not visible to this key)."""


class RateLimited(APIError):
    """429 after every retry; ``retry_after`` is the server's ``Retry-After`` in seconds."""

    def __init__(self, status: int, message: str, body: Any = None, *, retry_after: float | None = None) -> None:
        super().__init__(status, message, body)
        self.retry_after = retry_after


class Invalid(APIError):
    """400 or 413: the request breaks a rule; ``errors`` maps fields to problems when the server names them."""

    def __init__(self, status: int, message: str, body: Any = None, *, errors: dict[str, str] | None = None) -> None:
        super().__init__(status, message, body)
        self.errors: dict[str, str] = errors or {}
