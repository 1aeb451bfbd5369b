"""Test handlers: each appends the event it gets to the file named by ``RECORD_FILE``, then behaves as named.

The in-process runtime imports this file by path from its staged asset, as Lambda imports a
handler module, so a test reads what a function received from that file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import boto3

FAIL = {"fail": True}


def _record(event: Any) -> None:
    with Path(os.environ["RECORD_FILE"]).open("a") as file:
        file.write(json.dumps(event) + "\n")


def record(event: Any, context: Any) -> None:
    """Succeed."""
    _record(event)


def report_failures(event: dict[str, Any], context: Any) -> dict[str, list[dict[str, str]]]:
    """A partial-batch answer naming every SQS record whose body is ``FAIL``."""
    _record(event)
    failed = [item["messageId"] for item in event["Records"] if json.loads(item["body"]) == FAIL]
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}


def report_unknown(event: Any, context: Any) -> dict[str, list[dict[str, str]]]:
    """A malformed partial-batch answer: it names a record that is not in the batch."""
    _record(event)
    return {"batchItemFailures": [{"itemIdentifier": "not-in-this-batch"}]}


def explode(event: Any, context: Any) -> None:
    """Fail the invocation."""
    _record(event)
    raise RuntimeError("this handler always fails")


def forward(event: Any, context: Any) -> None:
    """Send the event to the queue at ``FORWARD_QUEUE_URL``, from inside the invocation."""
    _record(event)
    boto3.client("sqs").send_message(QueueUrl=os.environ["FORWARD_QUEUE_URL"], MessageBody=json.dumps(event))
