"""The trade flow: the state machine, its non-signing step function, the event bus and the topic.

Signing steps run in the chain executor (the only role with kms:Sign); the state machine invokes
both functions. The definition is `statemachines/trade.asl.json`, with the function ARNs
substituted, so no ARN is written in it.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

from tradewind_cdk.constants import (
    ENV_EVENT_BUS_NAME,
    ENV_SIGNER_KEY_ID,
    ENV_TRADE_TOPIC_ARN,
    FUNCTIONS_DIR,
    STATEMACHINES_DIR,
    TRADE_EXECUTION_TIMEOUT,
    TRADE_FLOW_SERVICE_NAME,
    TRADE_FLOW_TIMEOUT_S,
    TRADE_STATE_MACHINE_FILE,
    event_bus_name,
)
from tradewind_cdk.constructs.chain_executor import ChainExecutor
from tradewind_cdk.constructs.function import TradewindFunction
from tradewind_cdk.constructs.signer import Signer
from tradewind_cdk.environment import chain_data_environment
from tradewind_cdk.grants import grant_deployments_read
from tradewind_cdk.stage import StageSettings


class TradeFlow(Construct):
    """Runs each trade from analysis to a recorded final state, and tells the world how it ended."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StageSettings,
        layers: Sequence[lambda_.ILayerVersion],
        accounts_table: dynamodb.ITable,
        chain_executor: ChainExecutor,
        signer: Signer,
    ) -> None:
        super().__init__(scope, construct_id)
        self.event_bus = events.EventBus(self, "EventBus", event_bus_name=event_bus_name(settings.name))
        self.topic = sns.Topic(
            self,
            "Notifications",
            display_name=f"Tradewind trades ({settings.name})",
            enforce_ssl=True,
            master_key=kms.Alias.from_alias_name(self, "SnsManagedKey", "alias/aws/sns"),
        )
        self.handler = TradewindFunction(
            self,
            "Function",
            settings=settings,
            code_dir=FUNCTIONS_DIR / "trade_flow",
            handler="handler.handler",
            service_name=TRADE_FLOW_SERVICE_NAME,
            description=f"Tradewind trade flow: analyze, risk, approval, record ({settings.name})",
            layers=layers,
            memory_size=512,
            timeout=Duration.seconds(TRADE_FLOW_TIMEOUT_S),
            environment={
                **chain_data_environment(settings, accounts_table),
                ENV_EVENT_BUS_NAME: self.event_bus.event_bus_name,
                ENV_TRADE_TOPIC_ARN: self.topic.topic_arn,
                # The analysis simulates the vault call from the operator: the signer's address.
                ENV_SIGNER_KEY_ID: signer.key.key_id,
            },
        )
        signer.grant_public_key_read(self.handler.role)
        accounts_table.grant_read_write_data(self.handler.role)
        grant_deployments_read(self.handler.role, settings.name)
        self.event_bus.grant_put_events_to(self.handler.role)
        self.topic.grant_publish(self.handler.role)

        self.log_group = logs.LogGroup(
            self,
            "ExecutionLogs",
            retention=settings.log_retention,
            removal_policy=settings.removal_policy,
        )
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            # Read here rather than DefinitionBody.from_file: that uploads the file as an asset
            # (DefinitionS3Location), which moto's CloudFormation leaves empty; inline, with the
            # substitutions, the deployed definition is the file's on AWS and locally alike.
            definition_body=sfn.DefinitionBody.from_string(
                (STATEMACHINES_DIR / TRADE_STATE_MACHINE_FILE).read_text()
            ),
            definition_substitutions={
                "TradeFlowFunctionArn": self.handler.function.function_arn,
                "ChainExecutorFunctionArn": chain_executor.handler.function.function_arn,
            },
            timeout=Duration.seconds(TRADE_EXECUTION_TIMEOUT),
            tracing_enabled=True,
            logs=sfn.LogOptions(
                destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=False
            ),
        )
        self.handler.function.grant_invoke(self.state_machine.role)
        chain_executor.handler.function.grant_invoke(self.state_machine.role)
        self._suppress_nag_findings()

    def grant_start_and_answer(self, role: iam.Role) -> None:
        """Lets ``role`` start executions and answer the approval step (the API)."""
        self.state_machine.grant_start_execution(role)
        self.state_machine.grant_task_response(role)

    def _suppress_nag_findings(self) -> None:
        NagSuppressions.add_resource_suppressions(
            self.state_machine.role,
            [
                NagPackSuppression(
                    id="AwsSolutions-IAM5",
                    reason=(
                        "Invoking a function grants its ARN and its ':*' qualified versions (CDK's "
                        "grantInvoke); logging and X-Ray delivery support no resource-level permissions."
                    ),
                    applies_to=[
                        "Resource::*",
                        "Resource::<TradeFlowFunctionCB617377.Arn>:*",
                        "Resource::<ChainExecutorFunctionF1793B5D.Arn>:*",
                    ],
                )
            ],
            apply_to_children=True,
        )
