"""Fire the emulator's scheduled EventBridge rules at their Lambda and SQS targets.

moto gap (5.2.5): moto stores a rule's ``ScheduleExpression`` (moto/events/models.py:86) but
nothing in it ever fires one, and its own target delivery (``Rule.send_to_targets``, line 140)
has no Lambda target at all: it raises "Expr not defined for Rule" (line 202). ``ScheduleDriver``
reads the enabled scheduled rules and their targets through the events API and delivers the
"Scheduled Event" itself: to a Lambda function as an asynchronous (``Event``) invocation through
the lambda API, to an SQS queue as a message body. Any other target fails loudly.

Second gap: a rule without an ``EventPattern`` matches every event (``EventPattern.matches_event``,
line 958) and ``put_events`` offers each event to every rule of its bus (line 1503), so a
scheduled rule's targets received every PutEvents on the default bus (a 500 for a Lambda target).
``install()`` makes moto's delivery pass over rules that are only scheduled, as EventBridge does.

Local time is compressed: ``start(period_s)`` fires every rule every ``period_s`` seconds,
whatever its expression (``rate(5 minutes)`` and ``cron(0 12 * * ? *)`` alike), so a scheduled
job can be watched in seconds. Tests call ``fire``/``fire_all`` instead, which return once every
target has the event.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from moto.events.models import Rule
from pydantic import BaseModel, ConfigDict, Field

from localcloud.arns import Arn, queue_url
from localcloud.aws import AwsEndpoint
from localcloud.background import ROUND_ERRORS, BackgroundLoop
from localcloud.errors import ScheduleNotFound, UnsupportedTarget

logger = logging.getLogger(__name__)

# A handler in flight when the driver stops is waited for this long, then left to finish alone.
STOP_TIMEOUT_S = 5.0
# Target settings that only act when EventBridge fails to deliver (its retries and its DLQ). An
# asynchronous invocation or a send to the emulator is accepted at once, so they never act here.
_FAILED_DELIVERY_SETTINGS = frozenset({"RetryPolicy", "DeadLetterConfig"})

TargetKind = Literal["lambda", "sqs"]


class ScheduledRule(BaseModel):
    """An enabled rule with a schedule, as ListRules describes it."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(alias="Name")
    arn: str = Field(alias="Arn")
    schedule_expression: str = Field(alias="ScheduleExpression")


class RuleTarget(BaseModel):
    """A target as ListTargetsByRule describes it; the settings not modelled here land in ``model_extra``."""

    model_config = ConfigDict(frozen=True, extra="allow")

    target_id: str = Field(alias="Id")
    arn: str = Field(alias="Arn")
    input: str | None = Field(default=None, alias="Input")


class Delivery(BaseModel):
    """One scheduled event handed to one target."""

    model_config = ConfigDict(frozen=True)

    rule_name: str
    target_id: str
    target_arn: str
    kind: TargetKind
    payload: str
    # A Lambda target's error answer. EventBridge never sees it (the invocation is asynchronous);
    # it is kept so that tests and the log can.
    function_error: str | None = None


def scheduled_event(rule: ScheduledRule, now: datetime) -> dict[str, Any]:
    """The event EventBridge sends a rule's plain targets when its schedule comes round."""
    arn = Arn.parse(rule.arn)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": arn.account,
        "time": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": arn.region,
        "resources": [rule.arn],
        "detail": {},
    }


def target_kind(rule: ScheduledRule, target: RuleTarget) -> TargetKind:
    """Which delivery ``target`` needs; ``UnsupportedTarget`` for anything the driver cannot do faithfully."""
    unsupported = sorted(set(target.model_extra or {}) - _FAILED_DELIVERY_SETTINGS)
    if unsupported:
        raise UnsupportedTarget(
            rule.name, target.target_id, target.arn, f"settings not supported: {unsupported}"
        )
    try:
        arn = Arn.parse(target.arn)
    except ValueError as e:
        raise UnsupportedTarget(rule.name, target.target_id, target.arn, str(e)) from e
    if arn.service == "lambda" and arn.resource.startswith("function:"):
        return "lambda"
    if arn.service == "sqs":
        return "sqs"
    raise UnsupportedTarget(
        rule.name, target.target_id, target.arn, "only Lambda functions and SQS queues can be targets locally"
    )


class ScheduleDriver:
    """Fires scheduled rules on demand (``fire``, ``fire_all``) or every period in a thread (``start``)."""

    def __init__(self, aws: AwsEndpoint) -> None:
        self._events = aws.client("events")
        self._lambda = aws.client("lambda")
        self._sqs = aws.client("sqs")
        self._loop = BackgroundLoop("schedule-driver", STOP_TIMEOUT_S)

    @property
    def running(self) -> bool:
        """Whether the background thread is alive."""
        return self._loop.running

    def rules(self) -> list[ScheduledRule]:
        """Every enabled rule with a schedule (the default bus: the only one schedules may use)."""
        rules: list[ScheduledRule] = []
        for page in self._events.get_paginator("list_rules").paginate():
            rules += [
                ScheduledRule.model_validate(rule)
                for rule in page["Rules"]
                if rule.get("ScheduleExpression") and rule.get("State") == "ENABLED"
            ]
        return rules

    def targets(self, rule: ScheduledRule) -> list[tuple[RuleTarget, TargetKind]]:
        """The rule's targets with their kind; ``UnsupportedTarget`` when any cannot be delivered to."""
        targets: list[tuple[RuleTarget, TargetKind]] = []
        for page in self._events.get_paginator("list_targets_by_rule").paginate(Rule=rule.name):
            for described in page["Targets"]:
                target = RuleTarget.model_validate(described)
                targets.append((target, target_kind(rule, target)))
        return targets

    def fire(self, rule_name: str) -> list[Delivery]:
        """Fire one enabled scheduled rule now; returns once every target has the event."""
        rule = next((rule for rule in self.rules() if rule.name == rule_name), None)
        if rule is None:
            raise ScheduleNotFound(f"no enabled rule with a schedule is named {rule_name!r}")
        return self._fire(rule, self.targets(rule))

    def fire_all(self) -> list[Delivery]:
        """Fire every enabled scheduled rule now; one unsupported target stops it before any delivery."""
        planned = [(rule, self.targets(rule)) for rule in self.rules()]
        return [delivery for rule, targets in planned for delivery in self._fire(rule, targets)]

    def start(self, period_s: float) -> None:
        """Fire every rule every ``period_s`` seconds in a thread, the first time one period from now.

        Every rule's targets are checked first, so an unsupported one fails here, in the caller,
        rather than once a period in the log. A no-op when already running.
        """
        if period_s <= 0:
            raise ValueError(f"period_s must be positive, got {period_s}")
        if self.running:
            return
        for rule in self.rules():
            self.targets(rule)
        self._loop.start(functools.partial(self._run, period_s=period_s))
        logger.info("schedule driver started: every scheduled rule fires every %s s", period_s)

    def stop(self) -> None:
        """Stop the thread, waiting at most ``STOP_TIMEOUT_S`` for a delivery in flight; no-op if stopped."""
        self._loop.stop()

    def _run(self, stopping: threading.Event, period_s: float) -> None:
        while not stopping.wait(period_s):
            self._round(stopping)

    def _round(self, stopping: threading.Event) -> None:
        """Fire every rule once; a rule that fails is logged and the others still fire."""
        try:
            rules = self.rules()
        except ROUND_ERRORS:
            logger.exception("schedule driver could not list the rules")
            return
        for rule in rules:
            if stopping.is_set():
                return
            try:
                self._fire(rule, self.targets(rule))
            except ROUND_ERRORS:
                logger.exception("scheduled rule %s could not be fired", rule.name)

    def _fire(self, rule: ScheduledRule, targets: list[tuple[RuleTarget, TargetKind]]) -> list[Delivery]:
        # One event per firing, the same for every target, as EventBridge sends it.
        event = json.dumps(scheduled_event(rule, datetime.now(UTC)))
        return [self._deliver(rule, target, kind, target.input or event) for target, kind in targets]

    def _deliver(self, rule: ScheduledRule, target: RuleTarget, kind: TargetKind, payload: str) -> Delivery:
        function_error: str | None = None
        if kind == "lambda":
            # moto runs an Event invocation before it answers 202 (moto/awslambda/models.py:1152), so
            # this returns after the handler: fire() is deterministic, and nothing here holds the
            # in-process runtime's lock while it waits.
            answer = self._lambda.invoke(
                FunctionName=target.arn, InvocationType="Event", Payload=payload.encode()
            )
            if "FunctionError" in answer:
                function_error = answer["Payload"].read().decode()
                logger.warning(
                    "scheduled rule %s: function %s failed: %s", rule.name, target.arn, function_error
                )
        else:
            self._sqs.send_message(QueueUrl=queue_url(self._sqs, target.arn), MessageBody=payload)
        return Delivery(
            rule_name=rule.name,
            target_id=target.target_id,
            target_arn=target.arn,
            kind=kind,
            payload=payload,
            function_error=function_error,
        )


_original: dict[str, Any] = {}


def install() -> None:
    """Keep events put on a bus away from the rules on it that are only scheduled; idempotent."""
    if _original:
        return
    original = Rule.send_to_targets
    _original["send_to_targets"] = original

    @functools.wraps(original)
    def send_to_targets(self: Rule, original_event: Any, transform_input: bool = True) -> None:
        # A rule may have both a schedule and a pattern; then it matches events by its pattern.
        if self.scheduled_expression and not self.event_pattern.get_pattern():
            return
        original(self, original_event, transform_input)

    Rule.send_to_targets = send_to_targets  # type: ignore[method-assign]


def uninstall() -> None:
    """Put moto's own delivery back; idempotent."""
    if _original:
        Rule.send_to_targets = _original.pop("send_to_targets")  # type: ignore[method-assign]
