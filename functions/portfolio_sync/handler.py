"""Portfolio sync function: refreshes the holder of each queued request; failures are per message."""

from __future__ import annotations

from typing import Any

from tradewind.coldstart import initialising

with initialising():
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from tradewind.observability import logger, metrics, tracer
    from tradewind.portfolio.sync import SyncRequest
    from tradewind.portfolio.sync_factory import SyncWorkerSettings, build_holder_sync

    _holders = build_holder_sync(SyncWorkerSettings.from_environment())
    # A batch whose every record failed is answered like any other (all listed as failures),
    # not raised: it is not a function error, and the alarm belongs on the dead-letter queue.
    _processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


def _sync(record: SQSRecord) -> None:
    """Discover and refresh one holder; any exception fails this message only (redelivered, then the DLQ)."""
    _holders.sync(SyncRequest.model_validate_json(record.body))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    """Process the batch; the answer lists the messages that failed (ReportBatchItemFailures)."""
    return process_partial_response(event=event, record_handler=_sync, processor=_processor, context=context)
