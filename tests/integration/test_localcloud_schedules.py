"""The local cloud's schedule driver and SQS poller, on functions, queues and rules made in the emulator."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from localcloud import Deployer, LocalCloud
from localcloud.errors import DrainTimeout, UnsupportedEventSource, UnsupportedTarget
from localcloud.event_sources import BatchResult
from tests.support.emulator_resources import EmulatorResources, ScratchFunction, ScratchQueue
from tests.support.lambdas.recorder import FAIL

pytestmark = pytest.mark.integration

# Long enough for a handler on a loaded two-CPU machine; a deadlock shows up as this timeout.
WAIT_S = 20.0


@pytest.fixture
def resources(local_cloud: LocalCloud, tmp_path: Path) -> Iterator[EmulatorResources]:
    made = EmulatorResources(local_cloud, tmp_path)
    yield made
    made.remove_all()


def _wait_for(condition: Callable[[], bool], timeout_s: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


def _send(cloud: LocalCloud, queue: ScratchQueue, *bodies: Any) -> list[str]:
    sqs = cloud.aws.client("sqs")
    return [
        sqs.send_message(QueueUrl=queue.url, MessageBody=json.dumps(body))["MessageId"] for body in bodies
    ]


def _receive_all(cloud: LocalCloud, queue: ScratchQueue) -> list[dict[str, Any]]:
    answer = cloud.aws.client("sqs").receive_message(QueueUrl=queue.url, MaxNumberOfMessages=10)
    messages: list[dict[str, Any]] = answer.get("Messages", [])
    return messages


def _counts(cloud: LocalCloud, queue: ScratchQueue) -> tuple[int, int]:
    """(visible, in flight) messages of ``queue``."""
    attributes = cloud.aws.client("sqs").get_queue_attributes(
        QueueUrl=queue.url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def _batches_from(queue: ScratchQueue, results: list[BatchResult]) -> list[BatchResult]:
    """The batches polled from ``queue``: the poller also polls the mappings of the deployed stack."""
    return [result for result in results if result.queue_arn == queue.arn]


def _records(function: ScratchFunction) -> list[list[dict[str, Any]]]:
    """The SQS records of each invocation of ``function``, oldest first."""
    return [event["Records"] for event in function.events()]


# --- Schedules ---------------------------------------------------------------------------------


def test_a_fired_rule_invokes_its_function_once_with_a_scheduled_event(
    local_cloud: LocalCloud, resources: EmulatorResources
) -> None:
    # Given a rule on a five-minute schedule whose plain target is a function
    function = resources.function("record")
    rule = resources.rule([{"Id": "job", "Arn": function.arn}])
    rule_arn = local_cloud.aws.client("events").describe_rule(Name=rule)["Arn"]
    # When the rule is fired once
    deliveries = local_cloud.schedules.fire(rule)
    # Then the function ran exactly once, on EventBridge's Scheduled Event for that rule
    [event] = function.events()
    assert {key: event[key] for key in ("version", "detail-type", "source", "resources", "detail")} == {
        "version": "0",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "resources": [rule_arn],
        "detail": {},
    }
    assert event["region"] == local_cloud.config.region
    assert event["account"] == rule_arn.split(":")[4]
    assert uuid.UUID(event["id"])
    assert time.strptime(event["time"], "%Y-%m-%dT%H:%M:%SZ")
    assert [(d.target_id, d.kind, d.function_error) for d in deliveries] == [("job", "lambda", None)]


def test_a_fired_rule_sends_its_event_to_a_queue_target_and_a_constant_input_as_given(
    local_cloud: LocalCloud, resources: EmulatorResources
) -> None:
    # Given a rule with a plain queue target and a function target with a constant Input
    queue = resources.queue()
    function = resources.function("record")
    rule = resources.rule(
        [{"Id": "queue", "Arn": queue.arn}, {"Id": "job", "Arn": function.arn, "Input": '{"task": "sweep"}'}]
    )
    # When every scheduled rule is fired
    local_cloud.schedules.fire_all()
    # Then the queue holds the Scheduled Event as a message body, and the function got its Input
    [message] = _receive_all(local_cloud, queue)
    event = json.loads(message["Body"])
    assert event["detail-type"] == "Scheduled Event"
    assert event["resources"][0].endswith(f":rule/{rule}")
    assert function.events() == [{"task": "sweep"}]


@pytest.mark.parametrize(
    ("bad_target", "reason"),
    [
        (
            {"Id": "topic", "Arn": "arn:aws:sns:us-east-1:123456789012:alerts"},
            "only Lambda functions and SQS",
        ),
        ({"Id": "path", "Arn": "FUNCTION", "InputPath": "$.detail"}, "InputPath"),
    ],
    ids=["sns-target", "input-path"],
)
def test_a_rule_with_an_unsupported_target_fails_loudly_and_delivers_nothing(
    local_cloud: LocalCloud, resources: EmulatorResources, bad_target: dict[str, str], reason: str
) -> None:
    # Given a rule with a function target and a target the driver cannot deliver to faithfully
    function = resources.function("record")
    bad_target = {**bad_target, "Arn": bad_target["Arn"].replace("FUNCTION", function.arn)}
    rule = resources.rule([{"Id": "job", "Arn": function.arn}, bad_target])
    driver = local_cloud.schedules
    # When it is fired, and when the background driver is started
    with pytest.raises(UnsupportedTarget, match=reason) as fired:
        driver.fire(rule)
    with pytest.raises(UnsupportedTarget):
        driver.start(period_s=0.1)
    # Then both name the rule and the target, and nothing was delivered or left running
    assert (fired.value.rule_name, fired.value.target_id) == (rule, bad_target["Id"])
    assert function.events() == []
    assert not driver.running


def test_a_scheduled_rule_does_not_take_events_put_on_its_bus(
    local_cloud: LocalCloud, resources: EmulatorResources
) -> None:
    # Given a scheduled rule (no event pattern) on the default bus with a queue target
    queue = resources.queue()
    resources.rule([{"Id": "queue", "Arn": queue.arn}])
    # When an application event is put on the default bus
    answer = local_cloud.aws.client("events").put_events(
        Entries=[{"Source": "tradewind.test", "DetailType": "Something Happened", "Detail": "{}"}]
    )
    # Then it is accepted, and only a schedule, never an event, reaches the rule's target
    assert answer["FailedEntryCount"] == 0
    assert _receive_all(local_cloud, queue) == []


def test_the_background_driver_fires_every_period_until_stopped(
    local_cloud: LocalCloud, resources: EmulatorResources
) -> None:
    # Given a scheduled function and the driver running with a compressed period
    function = resources.function("record")
    resources.rule([{"Id": "job", "Arn": function.arn}])
    driver = local_cloud.schedules
    driver.start(period_s=0.2)
    try:
        # When a few periods pass
        _wait_for(lambda: len(function.events()) >= 2)
    finally:
        driver.stop()
    # Then it fired repeatedly, and nothing fires once it is stopped
    fired = len(function.events())
    time.sleep(0.5)
    assert len(function.events()) == fired
    assert not driver.running


# --- SQS event source mappings ------------------------------------------------------------------


def test_a_partial_batch_failure_deletes_the_successes_and_redrives_the_failure(
    local_cloud: LocalCloud, resources: EmulatorResources
) -> None:
    # Given a queue with a DLQ after 2 receives, mapped with ReportBatchItemFailures to a function
    # that reports every {"fail": true} record, and 3 messages, one of them to fail
    dead_letters = resources.queue()
    queue = resources.queue(visibility_timeout_s=0, dead_letter=dead_letters, max_receive_count=2)
    function = resources.function("report_failures")
    resources.mapping(
        queue,
        function,
        BatchSize=10,
        MaximumBatchingWindowInSeconds=1,
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )
    first, failing, last = _send(local_cloud, queue, {"n": 1}, FAIL, {"n": 3})
    poller = local_cloud.event_sources
    # When the queue is polled once
    [batch] = _batches_from(queue, poller.poll_once())
    # Then the function got one batch of 3 real SQS records, and only the 2 successes were deleted
    [records] = _records(function)
    assert [record["messageId"] for record in records] == [first, failing, last]
    for record in records:
        assert record["eventSource"] == "aws:sqs"
        assert record["eventSourceARN"] == queue.arn
        assert record["awsRegion"] == local_cloud.config.region
        assert record["md5OfBody"] == hashlib.md5(record["body"].encode()).hexdigest()  # noqa: S324 - SQS's own
        assert record["receiptHandle"]
        assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert (batch.failed_ids, batch.deleted_ids) == ([failing], [first, last])
    assert _counts(local_cloud, queue) == (1, 0)
    # When it is polled again
    poller.poll_once()
    # Then the failed message came back alone, received for the second time
    assert [(r["messageId"], r["attributes"]["ApproximateReceiveCount"]) for r in _records(function)[1]] == [
        (failing, "2")
    ]
    # When it is polled once more, past maxReceiveCount
    assert _batches_from(queue, poller.poll_once()) == []
    # Then the function was not invoked again, and the message is in the dead-letter queue
    assert len(function.events()) == 2
    assert _counts(local_cloud, queue) == (0, 0)
    assert [message["MessageId"] for message in _receive_all(local_cloud, dead_letters)] == [failing]


@pytest.mark.parametrize("handler", ["explode", "report_unknown"], ids=["function-error", "malformed-answer"])
def test_a_failed_batch_is_left_whole_for_redelivery(
    local_cloud: LocalCloud, resources: EmulatorResources, handler: str
) -> None:
    # Given a mapping with ReportBatchItemFailures to a function that raises, or names a record
    # that is not in the batch, and two messages
    queue = resources.queue(visibility_timeout_s=0)
    function = resources.function(handler)
    resources.mapping(queue, function, BatchSize=10, FunctionResponseTypes=["ReportBatchItemFailures"])
    sent = _send(local_cloud, queue, {"n": 1}, {"n": 2})
    poller = local_cloud.event_sources
    # When the queue is polled
    [batch] = _batches_from(queue, poller.poll_once())
    # Then no message was deleted
    assert batch.failed_ids == sent
    assert batch.deleted_ids == []
    assert (batch.function_error is not None) == (handler == "explode")
    assert _counts(local_cloud, queue) == (2, 0)
    # And the next poll delivers the same batch again, received for the second time
    poller.poll_once()
    assert [(r["messageId"], r["attributes"]["ApproximateReceiveCount"]) for r in _records(function)[1]] == [
        (sent[0], "2"),
        (sent[1], "2"),
    ]


def test_without_report_batch_item_failures_a_successful_batch_is_deleted_whole(
    local_cloud: LocalCloud, resources: EmulatorResources
) -> None:
    # Given a mapping WITHOUT ReportBatchItemFailures to a function that answers with failures
    queue = resources.queue(visibility_timeout_s=0)
    function = resources.function("report_failures")
    resources.mapping(queue, function, BatchSize=10)
    _send(local_cloud, queue, {"n": 1}, FAIL)
    # When the queue is drained
    [batch] = _batches_from(queue, local_cloud.event_sources.drain(timeout_s=WAIT_S))
    # Then the answer was ignored, as Lambda ignores it: both messages are gone after one invocation
    assert batch.failed_ids == []
    assert len(function.events()) == 1
    assert _counts(local_cloud, queue) == (0, 0)


def test_a_message_a_handler_sends_is_polled_later_not_delivered_inside_its_send(
    local_cloud: LocalCloud, resources: EmulatorResources
) -> None:
    # Given a consumer mapped to a queue, and a function that sends its event to that queue
    queue = resources.queue(visibility_timeout_s=0)
    consumer = resources.function("record")
    resources.mapping(queue, consumer, BatchSize=10)
    producer = resources.function("forward", {"FORWARD_QUEUE_URL": queue.url})
    lambda_client = local_cloud.aws.client("lambda")
    # When the producer is invoked (from another thread, so that a deadlock fails the test, not the run)
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        invocation = pool.submit(lambda_client.invoke, FunctionName=producer.arn, Payload=b'{"order": 7}')
        answer = invocation.result(timeout=WAIT_S)
    finally:
        # Not waiting: a deadlocked invocation never returns, and the test must fail, not hang.
        pool.shutdown(wait=False)
    # Then it returned without error and without the consumer having run inside its send
    assert "FunctionError" not in answer, answer["Payload"].read()
    assert consumer.events() == []
    # And the poller delivers the message afterwards
    local_cloud.event_sources.drain(timeout_s=WAIT_S)
    [[record]] = _records(consumer)
    assert json.loads(record["body"]) == {"order": 7}


def test_a_mapping_deployed_by_cloudformation_is_polled_not_delivered_inside_send(
    local_cloud: LocalCloud, resources: EmulatorResources
) -> None:
    # Given a queue and its mapping made by a stack, as the CDK app makes them
    consumer = resources.function("record")
    stack_name = f"scratch-mapping-{uuid.uuid4().hex[:8]}"
    template = {
        "Resources": {
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 0}},
            "Mapping": {
                "Type": "AWS::Lambda::EventSourceMapping",
                "Properties": {
                    "FunctionName": consumer.name,
                    "EventSourceArn": {"Fn::GetAtt": ["Queue", "Arn"]},
                    "BatchSize": 10,
                },
            },
        }
    }
    deployment = Deployer(local_cloud.aws).deploy_template(template, stack_name)
    sqs = local_cloud.aws.client("sqs")
    try:
        # When a message is sent to the queue
        sqs.send_message(QueueUrl=deployment.physical_ids["Queue"], MessageBody='{"n": 1}')
        # Then the send did not run the consumer (inline delivery would have, before answering)
        assert consumer.events() == []
        # And the poller delivers it
        local_cloud.event_sources.drain(timeout_s=WAIT_S)
        [[record]] = _records(consumer)
        assert json.loads(record["body"]) == {"n": 1}
    finally:
        local_cloud.aws.client("cloudformation").delete_stack(StackName=stack_name)
        lambda_client = local_cloud.aws.client("lambda")
        # moto's stack deletion may leave the mapping behind; the next tests must not poll it.
        left = lambda_client.list_event_source_mappings(FunctionName=consumer.arn)["EventSourceMappings"]
        for mapping in left:
            lambda_client.delete_event_source_mapping(UUID=mapping["UUID"])


def test_a_disabled_mapping_is_not_polled(local_cloud: LocalCloud, resources: EmulatorResources) -> None:
    # Given a disabled mapping and a message on its queue
    queue = resources.queue(visibility_timeout_s=0)
    function = resources.function("record")
    mapping = resources.mapping(queue, function, BatchSize=10)
    local_cloud.aws.client("lambda").update_event_source_mapping(UUID=mapping, Enabled=False)
    _send(local_cloud, queue, {"n": 1})
    # When the mappings are polled
    results = local_cloud.event_sources.poll_once()
    # Then the message was left alone
    assert _batches_from(queue, results) == []
    assert function.events() == []
    assert _counts(local_cloud, queue) == (1, 0)


def test_a_mapping_with_a_filter_fails_loudly(local_cloud: LocalCloud, resources: EmulatorResources) -> None:
    # Given a mapping that filters messages (Lambda would delete what the filter rejects)
    queue = resources.queue(visibility_timeout_s=0)
    function = resources.function("record")
    resources.mapping(
        queue, function, FilterCriteria={"Filters": [{"Pattern": json.dumps({"body": {"n": [1]}})}]}
    )
    _send(local_cloud, queue, {"n": 2})
    # When the mappings are polled, Then the poller refuses rather than deliver what Lambda would drop
    with pytest.raises(UnsupportedEventSource, match="FilterCriteria"):
        local_cloud.event_sources.poll_once()
    assert function.events() == []


def test_drain_gives_up_on_a_queue_that_never_empties(
    local_cloud: LocalCloud, resources: EmulatorResources
) -> None:
    # Given a function that always fails on a queue with no dead-letter queue and no visibility timeout
    queue = resources.queue(visibility_timeout_s=0)
    resources.mapping(queue, resources.function("explode"), BatchSize=10)
    _send(local_cloud, queue, {"n": 1})
    # When the poller is asked to drain it, Then it says so instead of spinning forever
    with pytest.raises(DrainTimeout):
        local_cloud.event_sources.drain(timeout_s=0.5)


def test_the_background_poller_delivers_until_stopped(
    local_cloud: LocalCloud, resources: EmulatorResources
) -> None:
    # Given a mapped queue and the poller running in its thread
    queue = resources.queue(visibility_timeout_s=0)
    function = resources.function("record")
    resources.mapping(queue, function, BatchSize=10)
    poller = local_cloud.event_sources
    poller.start(interval_s=0.1)
    try:
        # When a message is sent
        _send(local_cloud, queue, {"n": 1})
        # Then the function gets it without anyone polling by hand
        _wait_for(lambda: len(function.events()) == 1)
    finally:
        poller.stop()
    assert not poller.running
    _send(local_cloud, queue, {"n": 2})
    time.sleep(0.3)
    assert len(function.events()) == 1
