"""Gives every request an id (logged as the correlation id, echoed in X-Request-Id) and a last-resort 500."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from starlette.middleware.base import BaseHTTPMiddleware

from tradewind.api.problems import internal_error
from tradewind.observability import logger

REQUEST_ID_HEADER = "X-Request-Id"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def _incoming_request_id(request: Request) -> str:
    supplied = request.headers.get(REQUEST_ID_HEADER, "")
    if _SAFE_REQUEST_ID.match(supplied):
        return supplied
    # On Lambda, Mangum exposes the API Gateway event: reuse its request id so logs line up.
    event = request.scope.get("aws.event") or {}
    gateway_id = (event.get("requestContext") or {}).get("requestId")
    return str(gateway_id) if gateway_id else uuid.uuid4().hex


class RequestContextMiddleware(BaseHTTPMiddleware):
    """Request id in, request id out; nothing unexpected leaks a stack trace to the client."""

    async def dispatch(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request_id = _incoming_request_id(request)
        request.state.request_id = request_id
        logger.set_correlation_id(request_id)
        try:
            response = await call_next(request)
        except Exception:
            logger.exception("unhandled error", extra={"path": request.url.path, "method": request.method})
            response = internal_error(request)
        response.headers[REQUEST_ID_HEADER] = request_id
        return response
