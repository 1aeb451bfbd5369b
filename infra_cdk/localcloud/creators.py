"""Creators for the resource types moto's CloudFormation skips, each making its resource via the service API.

moto gap (5.2.5): CloudFormation skips ``AWS::SecretsManager::Secret``, ``AWS::ApiGateway::Stage``,
``AWS::ApiGateway::Account``, ``AWS::SQS::QueuePolicy``, ``AWS::SNS::TopicPolicy`` and
``AWS::CloudWatch::Alarm`` with only a warning and still reports CREATE_COMPLETE.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from localcloud.template import CreatedResource


class ClientFactory(Protocol):
    """Makes boto3 clients bound to the emulator."""

    def __call__(self, service_name: str) -> Any: ...


CreateFunction = Callable[[ClientFactory, str, dict[str, Any]], CreatedResource]


@dataclass(frozen=True)
class Creator:
    """Makes one resource type; ``ref_property`` names the property whose value ``Ref`` returns, if any.

    A known ``Ref`` lets other resources refer to the resource before it exists.
    """

    create: CreateFunction
    ref_property: str | None = None

    def predicted_ref(self, properties: dict[str, Any]) -> str | None:
        """What ``Ref`` will return, when the properties alone decide it."""
        value = properties.get(self.ref_property) if self.ref_property else None
        return value if isinstance(value, str) else None


_PASSWORD_OPTIONS = {
    "PasswordLength": "PasswordLength",
    "ExcludeCharacters": "ExcludeCharacters",
    "ExcludeLowercase": "ExcludeLowercase",
    "ExcludeNumbers": "ExcludeNumbers",
    "ExcludePunctuation": "ExcludePunctuation",
    "ExcludeUppercase": "ExcludeUppercase",
    "IncludeSpace": "IncludeSpace",
    "RequireEachIncludedType": "RequireEachIncludedType",
}


def create_secret(clients: ClientFactory, logical_id: str, properties: dict[str, Any]) -> CreatedResource:
    """A secret with ``SecretString`` or a value generated as ``GenerateSecretString`` asks."""
    secrets = clients("secretsmanager")
    value = properties.get("SecretString")
    generate = properties.get("GenerateSecretString")
    if value is None and generate is not None:
        options = {api: generate[cfn] for cfn, api in _PASSWORD_OPTIONS.items() if cfn in generate}
        password = secrets.get_random_password(**options)["RandomPassword"]
        if "GenerateStringKey" in generate:
            document = json.loads(generate.get("SecretStringTemplate", "{}"))
            value = json.dumps({**document, generate["GenerateStringKey"]: password})
        else:
            value = password
    request: dict[str, Any] = {"Name": properties.get("Name", logical_id), "SecretString": value or ""}
    for optional in ("Description", "KmsKeyId", "Tags"):
        if optional in properties:
            request[optional] = properties[optional]
    arn = secrets.create_secret(**request)["ARN"]
    return CreatedResource(
        logical_id=logical_id,
        resource_type="AWS::SecretsManager::Secret",
        physical_id=arn,
        attributes={"Id": arn},
    )


def _method_setting_patches(setting: dict[str, Any]) -> list[dict[str, str]]:
    """PATCH operations for one ``MethodSettings`` entry (``/*`` + ``*`` is the stage-wide default)."""
    resource_path = setting.get("ResourcePath", "/*")
    encoded_path = "*" if resource_path == "/*" else resource_path.replace("/", "~1")
    prefix = f"/{encoded_path}/{setting.get('HttpMethod', '*')}"
    fields = {
        "ThrottlingBurstLimit": "throttling/burstLimit",
        "ThrottlingRateLimit": "throttling/rateLimit",
        "MetricsEnabled": "metrics/enabled",
        "LoggingLevel": "logging/loglevel",
        "DataTraceEnabled": "logging/dataTrace",
        "CachingEnabled": "caching/enabled",
        "CacheTtlInSeconds": "caching/ttlInSeconds",
    }
    return [
        {"op": "replace", "path": f"{prefix}/{path}", "value": str(setting[name]).lower()}
        for name, path in fields.items()
        if name in setting
    ]


def create_stage(clients: ClientFactory, logical_id: str, properties: dict[str, Any]) -> CreatedResource:
    """A stage of the deployed RestApi, pointing at its Deployment, with the method settings applied."""
    apigateway = clients("apigateway")
    rest_api_id, stage_name = properties["RestApiId"], properties["StageName"]
    request: dict[str, Any] = {
        "restApiId": rest_api_id,
        "stageName": stage_name,
        "deploymentId": properties["DeploymentId"],
    }
    optional = {"Description": "description", "Variables": "variables", "TracingEnabled": "tracingEnabled"}
    request |= {api: properties[cfn] for cfn, api in optional.items() if cfn in properties}
    apigateway.create_stage(**request)
    patches = [
        op for setting in properties.get("MethodSettings", []) for op in _method_setting_patches(setting)
    ]
    if patches:
        apigateway.update_stage(restApiId=rest_api_id, stageName=stage_name, patchOperations=patches)
    return CreatedResource(
        logical_id=logical_id, resource_type="AWS::ApiGateway::Stage", physical_id=stage_name
    )


def create_account(clients: ClientFactory, logical_id: str, properties: dict[str, Any]) -> CreatedResource:
    """The account-wide API Gateway setting: the role API Gateway logs to CloudWatch with."""
    if "CloudWatchRoleArn" in properties:
        clients("apigateway").update_account(
            patchOperations=[
                {"op": "replace", "path": "/cloudwatchRoleArn", "value": properties["CloudWatchRoleArn"]}
            ]
        )
    return CreatedResource(
        logical_id=logical_id, resource_type="AWS::ApiGateway::Account", physical_id=f"{logical_id}-account"
    )


def create_queue_policy(
    clients: ClientFactory, logical_id: str, properties: dict[str, Any]
) -> CreatedResource:
    """The policy set on each queue named (``Queues`` holds queue URLs)."""
    sqs = clients("sqs")
    policy = json.dumps(properties["PolicyDocument"])
    for queue_url in properties["Queues"]:
        sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": policy})
    return CreatedResource(
        logical_id=logical_id, resource_type="AWS::SQS::QueuePolicy", physical_id=f"{logical_id}-policy"
    )


def create_topic_policy(
    clients: ClientFactory, logical_id: str, properties: dict[str, Any]
) -> CreatedResource:
    """The policy set on each topic named (``Topics`` holds topic ARNs)."""
    sns = clients("sns")
    policy = json.dumps(properties["PolicyDocument"])
    for topic_arn in properties["Topics"]:
        sns.set_topic_attributes(TopicArn=topic_arn, AttributeName="Policy", AttributeValue=policy)
    return CreatedResource(
        logical_id=logical_id, resource_type="AWS::SNS::TopicPolicy", physical_id=f"{logical_id}-policy"
    )


_ALARM_PROPERTIES = (
    "AlarmName",
    "AlarmDescription",
    "ActionsEnabled",
    "AlarmActions",
    "OKActions",
    "InsufficientDataActions",
    "MetricName",
    "Namespace",
    "Statistic",
    "ExtendedStatistic",
    "Dimensions",
    "Period",
    "Unit",
    "EvaluationPeriods",
    "DatapointsToAlarm",
    "Threshold",
    "ComparisonOperator",
    "TreatMissingData",
    "Metrics",
)


def create_alarm(clients: ClientFactory, logical_id: str, properties: dict[str, Any]) -> CreatedResource:
    """A metric alarm; named after its logical id when the template leaves the name to CloudFormation."""
    request = {name: properties[name] for name in _ALARM_PROPERTIES if name in properties}
    request.setdefault("AlarmName", logical_id)
    request["Threshold"] = float(request["Threshold"])
    for integer in ("Period", "EvaluationPeriods", "DatapointsToAlarm"):
        if integer in request:
            request[integer] = int(request[integer])
    cloudwatch = clients("cloudwatch")
    cloudwatch.put_metric_alarm(**request)
    arn = cloudwatch.describe_alarms(AlarmNames=[request["AlarmName"]])["MetricAlarms"][0]["AlarmArn"]
    return CreatedResource(
        logical_id=logical_id,
        resource_type="AWS::CloudWatch::Alarm",
        physical_id=request["AlarmName"],
        attributes={"Arn": arn},
    )


CREATORS: dict[str, Creator] = {
    "AWS::SecretsManager::Secret": Creator(create_secret),
    "AWS::ApiGateway::Stage": Creator(create_stage, ref_property="StageName"),
    # Account-wide, not per stack; moto stores the role (update_account), there is nothing to emulate.
    "AWS::ApiGateway::Account": Creator(create_account),
    "AWS::SQS::QueuePolicy": Creator(create_queue_policy),
    "AWS::SNS::TopicPolicy": Creator(create_topic_policy),
    "AWS::CloudWatch::Alarm": Creator(create_alarm, ref_property="AlarmName"),
}
