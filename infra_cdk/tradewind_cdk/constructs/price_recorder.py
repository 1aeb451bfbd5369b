"""The price recorder: a function on a schedule that stores the price of every tracked token."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from tradewind_cdk.constants import (
    FUNCTIONS_DIR,
    PRICE_RECORD_RATE_MINUTES,
    PRICE_RECORDER_SERVICE_NAME,
)
from tradewind_cdk.constructs.function import TradewindFunction
from tradewind_cdk.environment import chain_data_environment
from tradewind_cdk.grants import grant_deployments_read
from tradewind_cdk.stage import StageSettings


class PriceRecorder(Construct):
    """Records prices every PRICE_RECORD_RATE_MINUTES into the accounts table."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StageSettings,
        layers: Sequence[lambda_.ILayerVersion],
        accounts_table: dynamodb.ITable,
    ) -> None:
        super().__init__(scope, construct_id)
        self.handler = TradewindFunction(
            self,
            "Function",
            settings=settings,
            code_dir=FUNCTIONS_DIR / "price_recorder",
            handler="handler.handler",
            service_name=PRICE_RECORDER_SERVICE_NAME,
            description=f"Tradewind price recorder ({settings.name})",
            layers=layers,
            memory_size=512,
            timeout=Duration.seconds(30),
            environment=chain_data_environment(settings, accounts_table),
        )
        accounts_table.grant_write_data(self.handler.role)
        grant_deployments_read(self.handler.role, settings.name)
        self.schedule = events.Rule(
            self,
            "Schedule",
            description=f"Tradewind price recorder ({settings.name})",
            schedule=events.Schedule.rate(Duration.minutes(PRICE_RECORD_RATE_MINUTES)),
            targets=[targets.LambdaFunction(self.handler.function, retry_attempts=0)],
        )
