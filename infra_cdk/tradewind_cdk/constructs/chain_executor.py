"""The chain executor: the one function that signs with the service's KMS key and sends transactions."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from tradewind_cdk.constants import (
    CHAIN_EXECUTOR_CONFIRMATION_TIMEOUT_S,
    CHAIN_EXECUTOR_SERVICE_NAME,
    CHAIN_EXECUTOR_TIMEOUT_S,
    ENV_CHAIN_TABLE,
    ENV_CONFIRMATION_TIMEOUT_S,
    ENV_IDEMPOTENCY_TABLE,
    ENV_SIGNER_KEY_ID,
    FUNCTIONS_DIR,
)
from tradewind_cdk.constructs.function import TradewindFunction
from tradewind_cdk.constructs.signer import Signer
from tradewind_cdk.environment import chain_data_environment
from tradewind_cdk.grants import grant_deployments_read
from tradewind_cdk.stage import StageSettings


class ChainExecutor(Construct):
    """Runs chain commands (deploy a user's vault) with kms:Sign; nothing else in the stack may sign."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StageSettings,
        layers: Sequence[lambda_.ILayerVersion],
        accounts_table: dynamodb.ITable,
        chain_table: dynamodb.ITable,
        idempotency_table: dynamodb.ITable,
        signer: Signer,
    ) -> None:
        super().__init__(scope, construct_id)
        self.handler = TradewindFunction(
            self,
            "Function",
            settings=settings,
            code_dir=FUNCTIONS_DIR / "chain_executor",
            handler="handler.handler",
            service_name=CHAIN_EXECUTOR_SERVICE_NAME,
            description=f"Tradewind chain executor: signs and sends ({settings.name})",
            layers=layers,
            memory_size=512,
            timeout=Duration.seconds(CHAIN_EXECUTOR_TIMEOUT_S),
            environment={
                **chain_data_environment(settings, accounts_table),
                ENV_CHAIN_TABLE: chain_table.table_name,
                ENV_SIGNER_KEY_ID: signer.key.key_id,
                ENV_CONFIRMATION_TIMEOUT_S: str(CHAIN_EXECUTOR_CONFIRMATION_TIMEOUT_S),
                ENV_IDEMPOTENCY_TABLE: idempotency_table.table_name,
            },
        )
        idempotency_table.grant_read_write_data(self.handler.role)
        accounts_table.grant_read_write_data(self.handler.role)
        chain_table.grant_read_write_data(self.handler.role)
        signer.grant_sign(self.handler.role)
        grant_deployments_read(self.handler.role, settings.name)

    def grant_invoke(self, role: iam.Role) -> None:
        """Lets ``role`` hand commands to the executor: its unqualified ARN only, no wildcard."""
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["lambda:InvokeFunction"], resources=[self.handler.function.function_arn]
            )
        )
