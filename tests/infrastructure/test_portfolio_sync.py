"""The scheduled sync and the price recorder: schedules, queue, event source, dead letters, grants."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Template

from tests.infrastructure.templates import output_ref


def _function_arn(template: Template, output_id: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [output_ref(template, output_id), "Arn"]}


def _role_actions(template: Template, output_id: str) -> set[str]:
    function = template.find_resources("AWS::Lambda::Function")[output_ref(template, output_id)]
    role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
    policies = template.find_resources("AWS::IAM::Policy", {"Properties": {"Roles": [{"Ref": role_id}]}})
    statements = [s for p in policies.values() for s in p["Properties"]["PolicyDocument"]["Statement"]]
    return {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}


def _queue_id(template: Template, output_id: str) -> str:
    return output_ref(template, output_id)


def test_each_schedule_invokes_its_function_every_five_minutes(local_template: Template) -> None:
    # Given the rules of the template
    rules = local_template.find_resources("AWS::Events::Rule")
    # Then one fires the sync planner and one the price recorder, both every five minutes
    by_target = {
        output: next(
            r["Properties"]
            for r in rules.values()
            if r["Properties"]["Targets"][0]["Arn"] == _function_arn(local_template, output)
        )
        for output in ("SyncPlannerFunctionName", "PriceRecorderFunctionName")
    }
    assert len(rules) == 2
    for rule in by_target.values():
        assert rule["ScheduleExpression"] == "rate(5 minutes)"
        assert rule["State"] == "ENABLED"
    assert by_target["SyncPlannerFunctionName"]["Targets"][0]["RetryPolicy"] == {"MaximumRetryAttempts": 2}


def test_the_sync_function_consumes_the_queue_in_batches_reporting_item_failures(
    local_template: Template,
) -> None:
    # Given the event source mappings
    mappings = local_template.find_resources("AWS::Lambda::EventSourceMapping")
    # Then the one mapping feeds the sync queue to the sync function, ten at a time, per-item failures
    assert len(mappings) == 1
    mapping = next(iter(mappings.values()))["Properties"]
    assert mapping["EventSourceArn"] == {"Fn::GetAtt": [_queue_id(local_template, "SyncQueueUrl"), "Arn"]}
    assert mapping["FunctionName"] == {"Ref": output_ref(local_template, "PortfolioSyncFunctionName")}
    assert mapping["BatchSize"] == 10
    assert mapping["MaximumBatchingWindowInSeconds"] == 5
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_a_message_that_fails_three_times_goes_to_the_dead_letter_queue_which_alarms(
    local_template: Template,
) -> None:
    # Given the sync queue and its dead-letter queue
    queues = local_template.find_resources("AWS::SQS::Queue")
    queue = queues[_queue_id(local_template, "SyncQueueUrl")]["Properties"]
    dead_letters_id = _queue_id(local_template, "SyncDeadLetterQueueUrl")
    # Then redrive sends a message there after three receives, and both are encrypted
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [dead_letters_id, "Arn"]},
        "maxReceiveCount": 3,
    }
    # A message stays hidden for six times the sync function's timeout while a batch is worked on
    assert queue["VisibilityTimeout"] == 360
    assert all(q["Properties"]["SqsManagedSseEnabled"] for q in queues.values())
    # And an alarm watches the dead-letter queue's depth
    alarms = local_template.find_resources("AWS::CloudWatch::Alarm")
    dimensions = [d for a in alarms.values() for d in a["Properties"].get("Dimensions", [])]
    assert {"Name": "QueueName", "Value": {"Fn::GetAtt": [dead_letters_id, "QueueName"]}} in dimensions


def test_each_sync_role_has_only_what_its_step_needs(local_template: Template) -> None:
    # Given the roles of the planner, the sync function and the recorder
    planner = _role_actions(local_template, "SyncPlannerFunctionName")
    worker = _role_actions(local_template, "PortfolioSyncFunctionName")
    recorder = _role_actions(local_template, "PriceRecorderFunctionName")
    # Then the planner reads the table and sends, the worker consumes and writes, the recorder writes
    assert "sqs:SendMessage" in planner
    assert not {"dynamodb:PutItem", "dynamodb:BatchWriteItem", "sqs:ReceiveMessage"} & planner
    assert {"sqs:ReceiveMessage", "sqs:DeleteMessage"} <= worker
    assert {"dynamodb:BatchWriteItem", "ssm:GetParameter"} <= worker
    assert "sqs:SendMessage" not in worker
    assert {"dynamodb:BatchWriteItem", "ssm:GetParameter"} <= recorder
    assert not {"dynamodb:Query", "dynamodb:Scan"} & recorder
    # And none of them may sign
    assert not any("kms:Sign" in actions for actions in (planner, worker, recorder))
