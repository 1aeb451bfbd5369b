"""API function: the FastAPI app behind API Gateway, through Mangum."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from mangum import Mangum

from tradewind.api.app import create_app
from tradewind.observability import logger, metrics, tracer

# Lifespan off: with it on, Mangum runs the app's startup on every invocation.
_asgi = Mangum(create_app(), lifespan="off")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Serve one API Gateway proxy event."""
    # One runtime object; Powertools and Mangum each declare their own protocol for it.
    response: dict[str, Any] = _asgi(event, context)  # type: ignore[arg-type]
    return response
