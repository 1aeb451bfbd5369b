"""The chain executor: the only function that may sign with the service's key."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Template

from tests.infrastructure.templates import output_ref


def _role_statements(template: Template, function_output: str) -> list[dict[str, Any]]:
    function_id = output_ref(template, function_output)
    function = template.find_resources("AWS::Lambda::Function")[function_id]
    role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
    policies = template.find_resources("AWS::IAM::Policy", {"Properties": {"Roles": [{"Ref": role_id}]}})
    return [s for policy in policies.values() for s in policy["Properties"]["PolicyDocument"]["Statement"]]


def _actions(statements: list[dict[str, Any]]) -> set[str]:
    return {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}


def test_executor_runs_long_enough_to_wait_for_confirmations(local_template: Template) -> None:
    function_id = output_ref(local_template, "ChainExecutorFunctionName")
    properties = local_template.find_resources("AWS::Lambda::Function")[function_id]["Properties"]
    assert properties["Handler"] == "handler.handler"
    assert properties["Timeout"] == 300
    variables = properties["Environment"]["Variables"]
    assert variables["TRADEWIND_CONFIRMATION_TIMEOUT_S"] == "240"
    assert variables["TRADEWIND_CHAIN_TABLE"] == {"Ref": output_ref(local_template, "ChainTableName")}
    assert variables["TRADEWIND_SIGNER_KEY_ID"] == {"Ref": output_ref(local_template, "SignerKeyId")}
    assert variables["POWERTOOLS_SERVICE_NAME"] == "tradewind-chain-executor"


def test_only_the_executor_may_sign(local_template: Template) -> None:
    # Given every IAM policy of the stack
    policies = local_template.find_resources("AWS::IAM::Policy")
    signing = [
        policy
        for policy in policies.values()
        if "kms:Sign" in _actions(policy["Properties"]["PolicyDocument"]["Statement"])
    ]
    # Then exactly one grants kms:Sign, on the signer key, and it is the executor's
    assert len(signing) == 1
    executor = _role_statements(local_template, "ChainExecutorFunctionName")
    sign = next(s for s in executor if "kms:Sign" in _actions([s]))
    assert sign["Resource"] == {"Fn::GetAtt": [output_ref(local_template, "SignerKeyId"), "Arn"]}
    assert {"ssm:GetParameter", "kms:Sign", "dynamodb:PutItem"} <= _actions(executor)
