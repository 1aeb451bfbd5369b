"""API function: the FastAPI app behind API Gateway, through Mangum."""

from __future__ import annotations

from typing import Any

from tradewind.coldstart import initialising

with initialising():
    from aws_lambda_powertools.logging import correlation_paths
    from aws_lambda_powertools.utilities.typing import LambdaContext
    from mangum import Mangum
    from mangum.adapter import DEFAULT_TEXT_MIME_TYPES

    from tradewind.api.app import create_app
    from tradewind.api.problems import PROBLEM_MEDIA_TYPE
    from tradewind.observability import logger, metrics, tracer

    # Lifespan off: with it on, Mangum runs the app's startup on every invocation.
    # Errors are text too: without their media type here Mangum would base64 them, and API Gateway
    # (no binary media types configured) would hand clients the base64 string.
    _asgi = Mangum(
        create_app(), lifespan="off", text_mime_types=[*DEFAULT_TEXT_MIME_TYPES, PROBLEM_MEDIA_TYPE]
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Serve one API Gateway proxy event."""
    # One runtime object; Powertools and Mangum each declare their own protocol for it.
    response: dict[str, Any] = _asgi(event, context)  # type: ignore[arg-type]
    return response
