"""The one mapping from errors to HTTP responses: RFC 9457 problem details with a request id."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from tradewind.errors import (
    Conflict,
    DependencyUnavailable,
    Forbidden,
    InvalidInput,
    NotFound,
    RateLimited,
    TradewindError,
    Unauthenticated,
)

PROBLEM_MEDIA_TYPE = "application/problem+json"

_STATUS_BY_ERROR: dict[type[TradewindError], int] = {
    InvalidInput: 422,
    NotFound: 404,
    Conflict: 409,
    Unauthenticated: 401,
    Forbidden: 403,
    RateLimited: 429,
    DependencyUnavailable: 503,
}


def request_id_of(request: Request) -> str:
    """The id the request-id middleware gave this request."""
    return str(getattr(request.state, "request_id", ""))


def problem_response(
    request: Request,
    status: int,
    code: str,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    """A problem+json response; every error the API returns goes through here."""
    body = {
        "type": f"urn:tradewind:problem:{code}",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "code": code,
        "request_id": request_id_of(request),
        **extensions,
    }
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_MEDIA_TYPE)


def _status_for(error: TradewindError) -> int:
    for error_type in type(error).__mro__:
        if error_type in _STATUS_BY_ERROR:
            return _STATUS_BY_ERROR[error_type]
    return 500


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, TradewindError)  # noqa: S101 - registered for TradewindError only
    status = _status_for(exc)
    headers: dict[str, str] = {}
    extensions: dict[str, Any] = {}
    if isinstance(exc, InvalidInput) and exc.field:
        extensions["errors"] = [{"field": exc.field, "message": exc.detail}]
    if isinstance(exc, RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, Unauthenticated):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, DependencyUnavailable):
        extensions["dependency"] = exc.dependency
    return problem_response(request, status, exc.code, exc.detail, headers=headers or None, **extensions)


def _field_path(location: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(part) for part in location]
    # "body" is where, not what: clients know the field by its name in their JSON.
    if parts and parts[0] in {"body", "query", "path", "header"} and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # noqa: S101 - registered for this type only
    errors = [
        {
            "field": _field_path(error.get("loc", ())),
            "message": error.get("msg", ""),
            "type": error.get("type", ""),
        }
        for error in exc.errors()
    ]
    return problem_response(
        request, 422, "validation_failed", "the request has invalid fields", errors=errors
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101 - registered for this type only
    code = HTTPStatus(exc.status_code).phrase.lower().replace(" ", "_")
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).description
    return problem_response(request, exc.status_code, code, detail, headers=getattr(exc, "headers", None))


def internal_error(request: Request) -> JSONResponse:
    """The response for anything unexpected: no detail beyond the request id to quote."""
    return problem_response(
        request, 500, "internal_error", "an unexpected error occurred; quote the request id"
    )


def register_problem_handlers(app: FastAPI) -> None:
    """Install the handlers that turn every error into a problem response."""
    app.add_exception_handler(TradewindError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
