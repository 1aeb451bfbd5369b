"""Price recorder function: on its schedule, stores the current price of every tracked token."""

from __future__ import annotations

from typing import Any

from tradewind.coldstart import initialising

with initialising():
    from aws_lambda_powertools.metrics import MetricUnit
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from tradewind.observability import logger, metrics, tracer
    from tradewind.prices.factory import RecorderSettings, build_recorder

    _recorder = build_recorder(RecorderSettings.from_environment())


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Record one price per tracked token (flagged prices are left out)."""
    recorded = _recorder.record()
    metrics.add_metric(name="PricesRecorded", unit=MetricUnit.Count, value=len(recorded.recorded))
    metrics.add_metric(name="PricesFlagged", unit=MetricUnit.Count, value=len(recorded.flagged))
    return recorded.model_dump()
