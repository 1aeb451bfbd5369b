"""The API function, its role and log group, and the REST API in front of it."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk
import pytest
from aws_cdk.assertions import Match, Template

from tests.infrastructure.templates import only_resource, output_ref
from tradewind_cdk.stack import TradewindStack
from tradewind_cdk.stage import settings_for

_FUNCTION_OUTPUT = "ApiFunctionName"


def _api_function(template: Template) -> dict[str, Any]:
    function_id = output_ref(template, _FUNCTION_OUTPUT)
    return dict(template.find_resources("AWS::Lambda::Function")[function_id])


def _api_function_statements(template: Template) -> list[dict[str, Any]]:
    role_id = _api_function(template)["Properties"]["Role"]["Fn::GetAtt"][0]
    policies = template.find_resources("AWS::IAM::Policy", {"Properties": {"Roles": [{"Ref": role_id}]}})
    return [
        statement
        for policy in policies.values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else list(actions)


def test_api_function_runs_the_fastapi_handler_on_python_311(local_template: Template) -> None:
    # Given the local template
    # Then a function runs handler.handler on Python 3.11, x86_64, 512 MB, 29 s, with active tracing
    local_template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Runtime": "python3.11",
            "Handler": "handler.handler",
            "Architectures": ["x86_64"],
            "MemorySize": 512,
            "Timeout": 29,
            "TracingConfig": {"Mode": "Active"},
            "Environment": {
                "Variables": Match.object_like(
                    {"TRADEWIND_STAGE": "local", "TRADEWIND_ACCOUNTS_TABLE": {"Ref": Match.any_value()}}
                )
            },
        },
    )


@pytest.mark.parametrize(
    ("stage", "chains", "log_level"),
    [("local", "local-l1,local-l2", "DEBUG"), ("prod", "ethereum,arbitrum,optimism,base,polygon", "INFO")],
)
def test_api_function_environment_is_exactly_what_the_settings_expect(
    request: pytest.FixtureRequest, stage: str, chains: str, log_level: str
) -> None:
    # Given the stage's template
    template: Template = request.getfixturevalue(f"{stage}_template")

    # When the function's environment is read
    variables = _api_function(template)["Properties"]["Environment"]["Variables"]

    # Then it holds these variables and no others, the references pointing at this stack's resources
    assert variables == {
        "TRADEWIND_STAGE": stage,
        "TRADEWIND_ACCOUNTS_TABLE": {"Ref": output_ref(template, "AccountsTableName")},
        "TRADEWIND_JWT_SECRET_ID": f"tradewind/{stage}/jwt-signing-key",
        "TRADEWIND_SIGNER_KEY_ID": {"Ref": output_ref(template, "SignerKeyId")},
        "TRADEWIND_ACTIVE_CHAINS": chains,
        "TRADEWIND_DEPLOYMENTS_PARAMETER_PATH": f"/tradewind/{stage}/deployments",
        "TRADEWIND_CHAIN_EXECUTOR_FUNCTION": {"Ref": output_ref(template, "ChainExecutorFunctionName")},
        "TRADEWIND_TRADE_STATE_MACHINE_ARN": {"Ref": output_ref(template, "TradeStateMachineArn")},
        "TRADEWIND_CONFIRM_POLL_S": "1" if stage == "local" else "4",
        "TRADEWIND_ASSISTANT_MODEL_API_KEY_SECRET_ID": f"tradewind/{stage}/model-api-key",
        **({"TRADEWIND_YIELD_LOOKBACK_BLOCKS": "60"} if stage == "local" else {}),
        "POWERTOOLS_SERVICE_NAME": "tradewind-api",
        "POWERTOOLS_METRICS_NAMESPACE": "Tradewind",
        "POWERTOOLS_LOG_LEVEL": log_level,
        "POWERTOOLS_LOGGER_LOG_EVENT": "false",
    }


def test_api_function_has_the_shared_code_and_dependencies_layers(local_template: Template) -> None:
    # Given the local template
    # When the function's layers are read
    layers = _api_function(local_template)["Properties"]["Layers"]

    # Then it has two, both layer versions of this stack, for Python 3.11 on x86_64
    layer_versions = local_template.find_resources(
        "AWS::Lambda::LayerVersion",
        {"Properties": {"CompatibleRuntimes": ["python3.11"], "CompatibleArchitectures": ["x86_64"]}},
    )
    assert len(layers) == 2
    assert {layer["Ref"] for layer in layers} == set(layer_versions)


@pytest.mark.parametrize(("stage", "retention_days"), [("local", 30), ("prod", 365)])
def test_function_and_access_logs_have_a_retention(
    request: pytest.FixtureRequest, stage: str, retention_days: int
) -> None:
    # Given the stage's template
    template: Template = request.getfixturevalue(f"{stage}_template")

    # When the function's own log group is looked up
    log_group_id = _api_function(template)["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
    log_groups = template.find_resources("AWS::Logs::LogGroup")

    # Then it, every other function's, the API's access logs and the trade flow's execution logs
    # keep logs for the stage's retention
    assert log_groups[log_group_id]["Properties"] == {"RetentionInDays": retention_days}
    functions = template.find_resources("AWS::Lambda::Function")
    assert len(log_groups) == len(functions) + 2
    assert all(group["Properties"] == {"RetentionInDays": retention_days} for group in log_groups.values())
    assert all(group["Properties"]["RetentionInDays"] == retention_days for group in log_groups.values())


def test_api_function_role_has_exactly_the_grants_it_needs(local_template: Template) -> None:
    # Given the API function's role policy
    statements = _api_function_statements(local_template)
    by_action = {action: statement for statement in statements for action in _actions(statement)}

    # Then it may read and write the accounts table, read its secrets and the signer's public key
    accounts_arn = {"Fn::GetAtt": [output_ref(local_template, "AccountsTableName"), "Arn"]}
    assert accounts_arn in by_action["dynamodb:PutItem"]["Resource"]
    assert accounts_arn in by_action["dynamodb:Query"]["Resource"]
    secrets = sorted(local_template.find_resources("AWS::SecretsManager::Secret"))
    readable = [s["Resource"] for s in statements if "secretsmanager:GetSecretValue" in _actions(s)]
    assert sorted(r["Ref"] for r in readable) == secrets  # the JWT key and the model's API key
    key_arn = {"Fn::GetAtt": [output_ref(local_template, "SignerKeyId"), "Arn"]}
    assert by_action["kms:GetPublicKey"]["Resource"] == key_arn
    assert by_action["kms:DescribeKey"]["Resource"] == key_arn
    # And it may not sign: only the chain executor signs
    kms_actions = {action for action in by_action if action.startswith("kms:")}
    assert kms_actions == {"kms:DescribeKey", "kms:GetPublicKey"}
    assert "kms:Sign" not in kms_actions
    # And it may read the stage's deployment manifests, and no other parameter
    parameter_arn = by_action["ssm:GetParameter"]["Resource"]["Fn::Join"][1]
    assert parameter_arn[-1] == ":parameter/tradewind/local/deployments/*"
    assert {action for action in by_action if action.startswith("ssm:")} == {"ssm:GetParameter"}
    # And it may hand commands to the chain executor
    executor_arn = {"Fn::GetAtt": [output_ref(local_template, "ChainExecutorFunctionName"), "Arn"]}
    assert by_action["lambda:InvokeFunction"]["Resource"] == executor_arn
    assert all(statement["Effect"] == "Allow" for statement in statements)


def test_api_function_role_uses_no_managed_policy(local_template: Template) -> None:
    # Given the API function's role
    role_id = _api_function(local_template)["Properties"]["Role"]["Fn::GetAtt"][0]
    role = local_template.find_resources("AWS::IAM::Role")[role_id]

    # Then it has no managed policy (its log permissions are scoped to its own log group)
    assert "ManagedPolicyArns" not in role["Properties"]
    log_writes = [s for s in _api_function_statements(local_template) if "logs:PutLogEvents" in _actions(s)]
    log_group_id = _api_function(local_template)["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
    assert [s["Resource"] for s in log_writes] == [{"Fn::GetAtt": [log_group_id, "Arn"]}]


def test_rest_api_proxies_every_path_to_the_function(local_template: Template) -> None:
    # Given the local template
    function_arn = {"Fn::GetAtt": [output_ref(local_template, _FUNCTION_OUTPUT), "Arn"]}

    # Then a {proxy+} resource exists and every method is an AWS_PROXY integration with the function
    local_template.has_resource_properties("AWS::ApiGateway::Resource", {"PathPart": "{proxy+}"})
    methods = local_template.find_resources("AWS::ApiGateway::Method")
    assert len(methods) == 2  # ANY on / and ANY on /{proxy+}
    for method in methods.values():
        assert method["Properties"]["HttpMethod"] == "ANY"
        integration = method["Properties"]["Integration"]
        assert integration["Type"] == "AWS_PROXY"
        assert function_arn in integration["Uri"]["Fn::Join"][1]


def test_stage_is_throttled_traced_and_access_logged_as_json(local_template: Template) -> None:
    # Given the local template
    # When the API stage is looked up
    _, stage = only_resource(local_template, "AWS::ApiGateway::Stage")
    properties = stage["Properties"]

    # Then it is named after the stage, traced, throttled, logs INFO without bodies
    # and writes JSON access logs
    assert properties["StageName"] == "local"
    assert properties["TracingEnabled"] is True
    assert properties["MethodSettings"] == [
        {
            "DataTraceEnabled": False,
            "HttpMethod": "*",
            "LoggingLevel": "INFO",
            "MetricsEnabled": True,
            "ResourcePath": "/*",
            "ThrottlingBurstLimit": 100,
            "ThrottlingRateLimit": 50,
        }
    ]
    access_log = properties["AccessLogSetting"]
    access_log_group_ids = set(local_template.find_resources("AWS::Logs::LogGroup"))
    assert access_log["DestinationArn"]["Fn::GetAtt"][0] in access_log_group_ids
    assert json.loads(access_log["Format"])["requestId"] == "$context.requestId"


def test_api_gateway_has_a_cloudwatch_role(local_template: Template) -> None:
    # Given the local template
    # Then the account-level API Gateway settings point at a role that can push logs
    _, account = only_resource(local_template, "AWS::ApiGateway::Account")
    role_id = account["Properties"]["CloudWatchRoleArn"]["Fn::GetAtt"][0]
    assert role_id in local_template.find_resources("AWS::IAM::Role")


@pytest.mark.parametrize(
    "output_id",
    [
        "ApiUrl",
        "ApiFunctionName",
        "AccountsTableName",
        "IdempotencyTableName",
        "ChainTableName",
        "JwtSecretName",
        "SignerKeyId",
        "SignerKeyAlias",
        "DeploymentsParameterPath",
        "ChainExecutorFunctionName",
        "SyncQueueUrl",
        "SyncDeadLetterQueueUrl",
        "SyncPlannerFunctionName",
        "PortfolioSyncFunctionName",
        "PriceRecorderFunctionName",
        "TradeStateMachineArn",
        "TradeFlowFunctionName",
        "EventBusName",
        "TradeTopicArn",
    ],
)
def test_outputs_have_stable_ids(local_template: Template, output_id: str) -> None:
    # Given the local template
    # Then the output the local cloud looks up exists under its plain id
    local_template.has_output(output_id, {"Value": Match.any_value()})


def test_stack_has_no_other_outputs(local_template: Template) -> None:
    # Given the local template
    # Then there are exactly the nineteen documented outputs
    assert len(local_template.find_outputs("*")) == 19


def _api_environment_with(context: dict[str, str]) -> dict[str, Any]:
    app = aws_cdk.App(context={"aws:cdk:bundling-stacks": [], **context})
    TradewindStack(app, "Tradewind-dev", settings=settings_for("dev"), analytics_reporting=False)
    template = Template.from_stack(app.node.find_child("Tradewind-dev"))  # type: ignore[arg-type]
    variables: dict[str, Any] = _api_function(template)["Properties"]["Environment"]["Variables"]
    return variables


def test_the_model_settings_come_from_the_context_whole_or_not_at_all() -> None:
    # Given a deployment naming an OpenAI-compatible model in its context
    named = _api_environment_with(
        {"tradewind:model_base_url": "https://models.example.com/v1", "tradewind:model_name": "m-1"}
    )
    # Then the API gets the base URL and the model name (its key stays in the secret store)
    assert named["TRADEWIND_ASSISTANT_MODEL_BASE_URL"] == "https://models.example.com/v1"
    assert named["TRADEWIND_ASSISTANT_MODEL_NAME"] == "m-1"
    assert named["TRADEWIND_ASSISTANT_MODEL_API_KEY_SECRET_ID"] == "tradewind/dev/model-api-key"
    # And half a model fails the synthesis instead of deploying an API that cannot start
    with pytest.raises(ValueError, match="or neither"):
        _api_environment_with({"tradewind:model_name": "m-1"})
