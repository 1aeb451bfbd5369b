"""Deliver SQS messages to Lambda through the event source mappings, the way Lambda's pollers do.

moto gap (5.2.5): ``Queue.add_message`` (moto/sqs/models.py:577) invokes each mapped function
inline, inside the SendMessage that added the message, one message per invocation
(``LambdaBackend.send_sqs_batch``, moto/awslambda/models.py:2291) with an ``ApproximateReceiveCount``
of "1" and timestamps that are constants (line 2309). It keeps only the error flag of the answer,
so ``batchItemFailures`` never keeps a message in the queue. And inline means inside the sender:
a handler that sends to a mapped queue waits for the consumer, which the in-process runtime
cannot start until that handler returns, a deadlock.

``install()`` leaves each mapping in moto's Lambda backend (ListEventSourceMappings still shows
it) but stops it being registered on its queue (line 2138), the registry ``add_message`` reads,
so sending only enqueues. ``SqsPoller`` then does Lambda's part from outside any handler: it
receives a batch with the queue's own visibility timeout (so moto moves a message to the
dead-letter queue once it has been received maxReceiveCount times), invokes the function
synchronously with a real SQS event, and deletes what succeeded: every record, or with
``ReportBatchItemFailures`` every record but the reported ones. A function error or a malformed
partial-batch response leaves the whole batch to come back after the visibility timeout.

A batch is one ReceiveMessage: at most 10 records, whatever is visible when polled. On AWS the
batching window (``MaximumBatchingWindowInSeconds``) and a BatchSize above 10 only make batches
bigger, and a handler has to take any batch from 1 record up to BatchSize anyway; not waiting
keeps local runs and tests quick. Mappings from DynamoDB or Kinesis streams are left to moto.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import threading
import time
from typing import Any

from moto.awslambda.models import EventSourceMapping, LambdaBackend
from moto.sqs.models import sqs_backends
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from localcloud.arns import Arn, queue_url
from localcloud.aws import AwsEndpoint
from localcloud.background import ROUND_ERRORS, BackgroundLoop
from localcloud.errors import DrainTimeout, UnsupportedEventSource

logger = logging.getLogger(__name__)

MAX_RECEIVE = 10  # SQS's limit for one ReceiveMessage
DEFAULT_INTERVAL_S = 1.0
STOP_TIMEOUT_S = 5.0
REPORT_BATCH_ITEM_FAILURES = "ReportBatchItemFailures"


class SqsMapping(BaseModel):
    """An event source mapping from an SQS queue, as ListEventSourceMappings describes it."""

    model_config = ConfigDict(frozen=True)

    uuid: str = Field(alias="UUID")
    function_arn: str = Field(alias="FunctionArn")
    queue_arn: str = Field(alias="EventSourceArn")
    batch_size: int = Field(alias="BatchSize", ge=1)
    function_response_types: list[str] = Field(default_factory=list, alias="FunctionResponseTypes")
    filter_criteria: dict[str, Any] | None = Field(default=None, alias="FilterCriteria")

    @property
    def reports_item_failures(self) -> bool:
        """Whether the function's answer names the records that failed."""
        return REPORT_BATCH_ITEM_FAILURES in self.function_response_types


class _MessageAttribute(BaseModel):
    """A message attribute as ReceiveMessage returns it."""

    data_type: str = Field(alias="DataType")
    string_value: str | None = Field(default=None, alias="StringValue")
    binary_value: bytes | None = Field(default=None, alias="BinaryValue")

    def as_record_attribute(self) -> dict[str, Any]:
        """The same attribute in a Lambda SQS record (camel case, binary as base64)."""
        attribute: dict[str, Any] = {
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": self.data_type,
        }
        if self.string_value is not None:
            attribute["stringValue"] = self.string_value
        if self.binary_value is not None:
            attribute["binaryValue"] = base64.b64encode(self.binary_value).decode()
        return attribute


class ReceivedMessage(BaseModel):
    """A message as ReceiveMessage returns it, with its system attributes."""

    model_config = ConfigDict(frozen=True)

    message_id: str = Field(alias="MessageId")
    receipt_handle: str = Field(alias="ReceiptHandle")
    body: str = Field(alias="Body")
    md5_of_body: str = Field(alias="MD5OfBody")
    attributes: dict[str, str] = Field(default_factory=dict, alias="Attributes")
    message_attributes: dict[str, _MessageAttribute] = Field(default_factory=dict, alias="MessageAttributes")

    def record(self, queue_arn: str) -> dict[str, Any]:
        """The message as a record of the SQS event Lambda passes to a function."""
        return {
            "messageId": self.message_id,
            "receiptHandle": self.receipt_handle,
            "body": self.body,
            "attributes": self.attributes,
            "messageAttributes": {
                name: attribute.as_record_attribute() for name, attribute in self.message_attributes.items()
            },
            "md5OfBody": self.md5_of_body,
            "eventSource": "aws:sqs",
            "eventSourceARN": queue_arn,
            "awsRegion": Arn.parse(queue_arn).region,
        }


class _ItemFailure(BaseModel):
    item_identifier: str = Field(alias="itemIdentifier", min_length=1)


class _PartialBatchResponse(BaseModel):
    """What a function with ``ReportBatchItemFailures`` answers; no list or an empty one: all succeeded."""

    batch_item_failures: list[_ItemFailure] | None = Field(default=None, alias="batchItemFailures")


class BatchResult(BaseModel):
    """One batch delivered: which messages the function got and which of them stay in the queue."""

    model_config = ConfigDict(frozen=True)

    mapping_uuid: str
    function_arn: str
    queue_arn: str
    message_ids: list[str]
    failed_ids: list[str]
    function_error: str | None = None

    @property
    def deleted_ids(self) -> list[str]:
        """The messages deleted from the queue."""
        return [message_id for message_id in self.message_ids if message_id not in self.failed_ids]


def failed_items(payload: bytes, message_ids: list[str]) -> list[str]:
    """The records a partial-batch answer keeps in the queue: the reported ones, or all when it is malformed.

    As Lambda reads it: no answer, ``null`` or no failures is success; an answer that is not
    JSON, not the documented shape, or that names a record not in the batch fails the batch.
    """
    try:
        answer = json.loads(payload) if payload.strip() else None
        response = _PartialBatchResponse.model_validate({} if answer is None else answer)
    except (json.JSONDecodeError, ValidationError):
        return list(message_ids)
    failed = {failure.item_identifier for failure in response.batch_item_failures or []}
    if not failed <= set(message_ids):
        return list(message_ids)
    return [message_id for message_id in message_ids if message_id in failed]


class SqsPoller:
    """Lambda's SQS poller for every enabled mapping: on demand (``poll_once``, ``drain``) or in a thread."""

    def __init__(self, aws: AwsEndpoint) -> None:
        self._lambda = aws.client("lambda")
        self._sqs = aws.client("sqs")
        self._queue_urls: dict[str, str] = {}
        self._loop = BackgroundLoop("sqs-poller", STOP_TIMEOUT_S)

    @property
    def running(self) -> bool:
        """Whether the background thread is alive."""
        return self._loop.running

    def mappings(self) -> list[SqsMapping]:
        """The enabled SQS mappings; ``UnsupportedEventSource`` when one filters messages (not done here)."""
        mappings: list[SqsMapping] = []
        for page in self._lambda.get_paginator("list_event_source_mappings").paginate():
            for described in page["EventSourceMappings"]:
                if Arn.parse(described["EventSourceArn"]).service != "sqs" or described["State"] != "Enabled":
                    continue
                mapping = SqsMapping.model_validate(described)
                if mapping.filter_criteria:
                    # Lambda deletes the messages a filter rejects; delivering them instead would differ.
                    raise UnsupportedEventSource(
                        f"mapping {mapping.uuid} has FilterCriteria, not supported locally"
                    )
                mappings.append(mapping)
        return mappings

    def poll_once(self) -> list[BatchResult]:
        """One batch from each enabled mapping whose queue has visible messages, delivered and settled."""
        results: list[BatchResult] = []
        for mapping in self.mappings():
            result = self.poll(mapping)
            if result is not None:
                results.append(result)
        return results

    def drain(self, timeout_s: float = 30.0) -> list[BatchResult]:
        """Poll until no mapped queue has a visible message; every batch delivered on the way.

        A failed batch still under its visibility timeout is not waited for. ``DrainTimeout`` when
        messages keep coming for ``timeout_s`` (a handler that always fails, with no DLQ).
        """
        deadline = time.monotonic() + timeout_s
        delivered: list[BatchResult] = []
        while results := self.poll_once():
            delivered += results
            if time.monotonic() > deadline:
                raise DrainTimeout(f"mapped queues still had visible messages after {timeout_s} s")
        return delivered

    def poll(self, mapping: SqsMapping) -> BatchResult | None:
        """Receive a batch for ``mapping``, invoke its function, delete what succeeded; None if none came."""
        received = self._sqs.receive_message(
            QueueUrl=self._queue_url(mapping.queue_arn),
            MaxNumberOfMessages=min(mapping.batch_size, MAX_RECEIVE),
            WaitTimeSeconds=0,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = [ReceivedMessage.model_validate(message) for message in received.get("Messages", [])]
        if not messages:
            return None
        event = {"Records": [message.record(mapping.queue_arn) for message in messages]}
        answer = self._lambda.invoke(
            FunctionName=mapping.function_arn,
            InvocationType="RequestResponse",
            Payload=json.dumps(event).encode(),
        )
        payload: bytes = answer["Payload"].read()
        message_ids = [message.message_id for message in messages]
        function_error: str | None = None
        if "FunctionError" in answer:
            function_error = payload.decode()
            failed = message_ids
            logger.warning(
                "SQS batch to %s failed, left for redelivery: %s", mapping.function_arn, function_error
            )
        elif mapping.reports_item_failures:
            failed = failed_items(payload, message_ids)
        else:
            failed = []
        self._delete(mapping.queue_arn, [message for message in messages if message.message_id not in failed])
        return BatchResult(
            mapping_uuid=mapping.uuid,
            function_arn=mapping.function_arn,
            queue_arn=mapping.queue_arn,
            message_ids=message_ids,
            failed_ids=failed,
            function_error=function_error,
        )

    def start(self, interval_s: float = DEFAULT_INTERVAL_S) -> None:
        """Poll in a thread: again at once after a round that delivered, else after ``interval_s``.

        The mappings are read first, so an unsupported one fails here, in the caller. A no-op when
        already running.
        """
        if interval_s <= 0:
            raise ValueError(f"interval_s must be positive, got {interval_s}")
        if self.running:
            return
        self.mappings()
        self._loop.start(functools.partial(self._run, interval_s=interval_s))
        logger.info(
            "SQS poller started: every enabled SQS event source mapping, idle polls every %s s", interval_s
        )

    def stop(self) -> None:
        """Stop the thread, waiting at most ``STOP_TIMEOUT_S`` for a batch in flight; a no-op when stopped."""
        self._loop.stop()

    def _run(self, stopping: threading.Event, interval_s: float) -> None:
        while not stopping.is_set():
            if not self._round(stopping):
                stopping.wait(interval_s)

    def _round(self, stopping: threading.Event) -> bool:
        """Poll every mapping once; whether any batch was delivered. A mapping that fails is logged."""
        try:
            mappings = self.mappings()
        except ROUND_ERRORS:
            logger.exception("SQS poller could not list the event source mappings")
            return False
        delivered = False
        for mapping in mappings:
            if stopping.is_set():
                break
            try:
                delivered = self.poll(mapping) is not None or delivered
            except ROUND_ERRORS:
                logger.exception("SQS poller could not poll mapping %s", mapping.uuid)
        return delivered

    def _queue_url(self, queue_arn: str) -> str:
        if queue_arn not in self._queue_urls:
            self._queue_urls[queue_arn] = queue_url(self._sqs, queue_arn)
        return self._queue_urls[queue_arn]

    def _delete(self, queue_arn: str, messages: list[ReceivedMessage]) -> None:
        if not messages:
            return
        entries = [
            {"Id": str(n), "ReceiptHandle": message.receipt_handle} for n, message in enumerate(messages)
        ]
        answer = self._sqs.delete_message_batch(QueueUrl=self._queue_url(queue_arn), Entries=entries)
        for failure in answer.get("Failed", []):
            # SQS is at-least-once: a message that could not be deleted is delivered again, as on AWS.
            logger.warning("could not delete a processed message from %s: %s", queue_arn, failure)


_original: dict[str, Any] = {}


def _unregister_from_queue(backend: LambdaBackend, mapping: EventSourceMapping) -> None:
    """Take ``mapping`` out of its queue's registry, so ``Queue.add_message`` no longer invokes it inline."""
    for queue in sqs_backends[backend.account_id][backend.region_name].queues.values():
        registered = queue.lambda_event_source_mappings
        if queue.queue_arn == mapping.event_source_arn and registered.get(mapping.function_arn) is mapping:
            del registered[mapping.function_arn]


def install() -> None:
    """Stop moto delivering SQS messages inline; idempotent. Mappings created from now on are polled."""
    if _original:
        return
    original = LambdaBackend.create_event_source_mapping
    _original["create_event_source_mapping"] = original

    @functools.wraps(original)
    def create_event_source_mapping(self: LambdaBackend, spec: dict[str, Any]) -> EventSourceMapping:
        mapping = original(self, spec)
        _unregister_from_queue(self, mapping)
        return mapping

    LambdaBackend.create_event_source_mapping = create_event_source_mapping  # type: ignore[method-assign]


def uninstall() -> None:
    """Put moto's own method back; idempotent (mappings created meanwhile stay unregistered)."""
    if _original:
        LambdaBackend.create_event_source_mapping = _original.pop(  # type: ignore[method-assign]
            "create_event_source_mapping"
        )
