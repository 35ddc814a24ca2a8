"""Domain errors: each knows its HTTP status and a stable code; faces render them in their envelope.

No HTTP framework is imported here: the faces decide how an error looks on the wire.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""

    status: int = 400
    code: str = "bad_request"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class Invalid(DomainError):
    """The request is malformed or breaks a documented limit."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, errors: dict[str, str] | None = None) -> None:
        super().__init__(message, details={"errors": errors or {}})
        self.errors: dict[str, str] = errors or {}


class TooLarge(DomainError):
    status = 413
    code = "too_large"


class Unauthenticated(DomainError):
    status = 401
    code = "unauthenticated"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, window: str = "minute") -> None:
        super().__init__(message, details={"retry_after": retry_after, "window": window})
        self.retry_after = retry_after
        self.window = window


class Unavailable(DomainError):
    status = 503
    code = "unavailable"

    def __init__(self, message: str, *, retry_after: int = 1) -> None:
        super().__init__(message, details={"retry_after": retry_after})
        self.retry_after = retry_after
