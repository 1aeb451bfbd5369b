"""A Python Lambda function the Tradewind way: own role, own log group, Powertools, tracing, layers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from aws_cdk import Duration, IgnoreMode
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

from tradewind_cdk.constants import ASSET_EXCLUDES, METRICS_NAMESPACE
from tradewind_cdk.constructs.layers import ARCHITECTURE, RUNTIME
from tradewind_cdk.stage import StageSettings

DEFAULT_MEMORY_MB = 256
DEFAULT_TIMEOUT = Duration.seconds(10)


class TradewindFunction(Construct):
    """One function with its least-privilege role and log group; callers grant it what it needs."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StageSettings,
        code_dir: Path,
        handler: str,
        service_name: str,
        layers: Sequence[lambda_.ILayerVersion],
        environment: Mapping[str, str] | None = None,
        memory_size: int = DEFAULT_MEMORY_MB,
        timeout: Duration = DEFAULT_TIMEOUT,
        description: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(
            self,
            "LogGroup",
            retention=settings.log_retention,
            removal_policy=settings.removal_policy,
        )
        # An own role instead of AWSLambdaBasicExecutionRole: it may write to this log group only.
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{service_name} ({settings.name})",
        )
        self.log_group.grant_write(self.role)
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            code=lambda_.Code.from_asset(
                str(code_dir), exclude=list(ASSET_EXCLUDES), ignore_mode=IgnoreMode.GIT
            ),
            handler=handler,
            layers=list(layers),
            role=self.role,
            log_group=self.log_group,
            memory_size=memory_size,
            timeout=timeout,
            tracing=lambda_.Tracing.ACTIVE,
            description=description,
            environment={
                "POWERTOOLS_SERVICE_NAME": service_name,
                "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
                "POWERTOOLS_LOG_LEVEL": settings.log_level,
                # Events carry passwords and tokens: never log them whole.
                "POWERTOOLS_LOGGER_LOG_EVENT": "false",
                **(environment or {}),
            },
        )
        self._suppress_nag_findings()

    def _suppress_nag_findings(self) -> None:
        NagSuppressions.add_resource_suppressions(
            self.function,
            [
                NagPackSuppression(
                    id="AwsSolutions-L1",
                    reason=(
                        "Python 3.11 is pinned on purpose: it is the interpreter the project's tests, "
                        "local cloud and pinned wheels use, so Lambda runs what was tested."
                    ),
                )
            ],
        )
        NagSuppressions.add_resource_suppressions(
            self.role,
            [
                NagPackSuppression(
                    id="AwsSolutions-IAM5",
                    reason=(
                        "Active tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which "
                        "support no resource-level permissions, so their resource is '*'."
                    ),
                    applies_to=["Resource::*"],
                )
            ],
            apply_to_children=True,
        )
