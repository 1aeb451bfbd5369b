"""The trade flow's resources: the state machine from its file, who may start and answer it, the
bus and the topic, and that signing stays with the chain executor."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aws_cdk.assertions import Template

from tests.infrastructure.templates import only_resource, output_ref

ASL = Path(__file__).resolve().parents[2] / "statemachines" / "trade.asl.json"


def _statements(template: Template, role_id: str) -> list[dict[str, Any]]:
    policies = template.find_resources("AWS::IAM::Policy", {"Properties": {"Roles": [{"Ref": role_id}]}})
    return [s for p in policies.values() for s in p["Properties"]["PolicyDocument"]["Statement"]]


def _actions(statement: dict[str, Any]) -> set[str]:
    action = statement["Action"]
    return {action} if isinstance(action, str) else set(action)


def _function_role(template: Template, output_id: str) -> str:
    function = template.find_resources("AWS::Lambda::Function")[output_ref(template, output_id)]
    return str(function["Properties"]["Role"]["Fn::GetAtt"][0])


def test_the_state_machine_is_the_file_with_both_functions_substituted(local_template: Template) -> None:
    machine_id, machine = only_resource(local_template, "AWS::StepFunctions::StateMachine")
    assert machine_id == output_ref(local_template, "TradeStateMachineArn")
    properties = machine["Properties"]
    assert json.loads(properties["DefinitionString"]) == json.loads(ASL.read_text())
    substitutions = properties["DefinitionSubstitutions"]
    assert substitutions["TradeFlowFunctionArn"] == {
        "Fn::GetAtt": [output_ref(local_template, "TradeFlowFunctionName"), "Arn"]
    }
    assert substitutions["ChainExecutorFunctionArn"] == {
        "Fn::GetAtt": [output_ref(local_template, "ChainExecutorFunctionName"), "Arn"]
    }
    assert properties["TracingConfiguration"] == {"Enabled": True}
    assert properties["LoggingConfiguration"]["Level"] == "ALL"


def test_every_task_retries_and_catches_into_a_record_state() -> None:
    states = json.loads(ASL.read_text())["States"]
    tasks = {name: state for name, state in states.items() if state["Type"] == "Task"}
    for name, state in tasks.items():
        if name.startswith("Record"):
            # The last word: retried hard, and there is nothing left to catch into
            assert state["Retry"], name
            assert state.get("End") is True, name
            continue
        catches = state["Catch"]
        assert catches[-1]["ErrorEquals"] == ["States.ALL"], name
        assert states[catches[-1]["Next"]]["Type"] == "Task", name
        assert all(states[c["Next"]]["Parameters"]["Payload"]["step"] == "record" for c in catches), name
    # Waiting for confirmations is a Wait state, and the approval a task token with a timeout
    assert states["WaitForBlocks"]["Type"] == "Wait"
    assert states["AwaitApproval"]["Resource"].endswith(".waitForTaskToken")
    assert states["AwaitApproval"]["TimeoutSecondsPath"] == "$.approval_timeout_s"


def test_the_api_may_start_and_answer_only_this_machine_and_only_the_executor_signs(
    local_template: Template,
) -> None:
    machine = {"Ref": output_ref(local_template, "TradeStateMachineArn")}
    api = _statements(local_template, _function_role(local_template, "ApiFunctionName"))
    start = next(s for s in api if "states:StartExecution" in _actions(s))
    assert start["Resource"] == machine
    answer = next(s for s in api if "states:SendTaskSuccess" in _actions(s))
    assert {"states:SendTaskSuccess", "states:SendTaskFailure"} <= _actions(answer)
    flow = _statements(local_template, _function_role(local_template, "TradeFlowFunctionName"))
    flow_actions = set().union(*(_actions(s) for s in flow))
    assert {"events:PutEvents", "sns:Publish", "kms:GetPublicKey"} <= flow_actions
    assert "kms:Sign" not in flow_actions
    executor = _statements(local_template, _function_role(local_template, "ChainExecutorFunctionName"))
    assert "kms:Sign" in set().union(*(_actions(s) for s in executor))


def test_outcomes_go_to_the_stage_bus_and_an_encrypted_topic(local_template: Template) -> None:
    _, bus = only_resource(local_template, "AWS::Events::EventBus")
    assert bus["Properties"]["Name"] == "tradewind-local"
    _, topic = only_resource(local_template, "AWS::SNS::Topic")
    assert topic["Properties"]["KmsMasterKeyId"]
