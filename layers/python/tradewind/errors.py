"""The project's exception tree; adapters translate vendor errors into these (``raise ... from e``)."""

from __future__ import annotations

from typing import Any


class TradewindError(Exception):
    """Root of every error the domain raises on purpose."""

    title = "Internal error"
    code = "internal_error"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class InvalidInput(TradewindError):
    """The request is well formed but a value breaks a domain rule."""

    title = "Invalid input"
    code = "invalid_input"

    def __init__(self, detail: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.field = field


class NotFound(TradewindError):
    """The resource does not exist, or belongs to someone else."""

    title = "Not found"
    code = "not_found"


class Conflict(TradewindError):
    """The request collides with existing state (a duplicate, a stale write)."""

    title = "Conflict"
    code = "conflict"


class Unauthenticated(TradewindError):
    """No valid credentials came with the request."""

    title = "Unauthorized"
    code = "unauthenticated"


class Forbidden(TradewindError):
    """The caller is known but may not do this."""

    title = "Forbidden"
    code = "forbidden"


class RateLimited(TradewindError):
    """Too many attempts; the caller may retry after ``retry_after`` seconds."""

    title = "Too many requests"
    code = "rate_limited"

    def __init__(self, detail: str, *, retry_after: int, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.retry_after = retry_after


class DependencyUnavailable(TradewindError):
    """A service we depend on (DynamoDB, a chain RPC, KMS) did not answer as it should."""

    title = "Dependency unavailable"
    code = "dependency_unavailable"

    def __init__(self, detail: str, *, dependency: str, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.dependency = dependency
