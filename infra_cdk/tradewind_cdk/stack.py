"""The Tradewind stack: composes the constructs and publishes the outputs the local cloud looks up."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from tradewind_cdk.constants import (
    API_ID,
    CHAIN_EXECUTOR_ID,
    DATA_ID,
    LAYERS_ID,
    OUTPUT_ACCOUNTS_TABLE_NAME,
    OUTPUT_API_FUNCTION_NAME,
    OUTPUT_API_URL,
    OUTPUT_CHAIN_EXECUTOR_FUNCTION_NAME,
    OUTPUT_CHAIN_TABLE_NAME,
    OUTPUT_DEPLOYMENTS_PATH,
    OUTPUT_EVENT_BUS_NAME,
    OUTPUT_IDEMPOTENCY_TABLE_NAME,
    OUTPUT_JWT_SECRET_NAME,
    OUTPUT_PORTFOLIO_SYNC_FUNCTION_NAME,
    OUTPUT_PRICE_RECORDER_FUNCTION_NAME,
    OUTPUT_SIGNER_KEY_ALIAS,
    OUTPUT_SIGNER_KEY_ID,
    OUTPUT_SYNC_DEAD_LETTER_QUEUE_URL,
    OUTPUT_SYNC_PLANNER_FUNCTION_NAME,
    OUTPUT_SYNC_QUEUE_URL,
    OUTPUT_TRADE_FLOW_FUNCTION_NAME,
    OUTPUT_TRADE_STATE_MACHINE_ARN,
    OUTPUT_TRADE_TOPIC_ARN,
    PORTFOLIO_SYNC_ID,
    PRICE_RECORDER_ID,
    SECRETS_ID,
    SIGNER_ID,
    TRADE_FLOW_ID,
    deployments_parameter_path,
)
from tradewind_cdk.constructs.api import Api
from tradewind_cdk.constructs.chain_executor import ChainExecutor
from tradewind_cdk.constructs.data import DataStore
from tradewind_cdk.constructs.layers import SharedLayers
from tradewind_cdk.constructs.portfolio_sync import PortfolioSync
from tradewind_cdk.constructs.price_recorder import PriceRecorder
from tradewind_cdk.constructs.secrets import Secrets
from tradewind_cdk.constructs.signer import Signer
from tradewind_cdk.constructs.trade_flow import TradeFlow
from tradewind_cdk.stage import StageSettings


class TradewindStack(Stack):
    """Every resource of one stage."""

    def __init__(
        self, scope: Construct, construct_id: str, *, settings: StageSettings, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.settings = settings
        self.data = DataStore(self, DATA_ID, settings=settings)
        self.secrets = Secrets(self, SECRETS_ID, settings=settings)
        self.signer = Signer(self, SIGNER_ID, settings=settings)
        self.layers = SharedLayers(self, LAYERS_ID, settings=settings)
        self.chain_executor = ChainExecutor(
            self,
            CHAIN_EXECUTOR_ID,
            settings=settings,
            layers=self.layers.all,
            accounts_table=self.data.accounts_table,
            chain_table=self.data.chain_table,
            idempotency_table=self.data.idempotency_table,
            signer=self.signer,
        )
        self.trade_flow = TradeFlow(
            self,
            TRADE_FLOW_ID,
            settings=settings,
            layers=self.layers.all,
            accounts_table=self.data.accounts_table,
            chain_executor=self.chain_executor,
            signer=self.signer,
        )
        self.api = Api(
            self,
            API_ID,
            settings=settings,
            layers=self.layers.all,
            accounts_table=self.data.accounts_table,
            jwt_secret=self.secrets.jwt_secret,
            jwt_secret_name=self.secrets.jwt_secret_name,
            model_api_key=self.secrets.model_api_key,
            model_api_key_name=self.secrets.model_api_key_name,
            signer=self.signer,
            chain_executor=self.chain_executor,
            trade_flow=self.trade_flow,
        )
        self.portfolio_sync = PortfolioSync(
            self,
            PORTFOLIO_SYNC_ID,
            settings=settings,
            layers=self.layers.all,
            accounts_table=self.data.accounts_table,
        )
        self.price_recorder = PriceRecorder(
            self,
            PRICE_RECORDER_ID,
            settings=settings,
            layers=self.layers.all,
            accounts_table=self.data.accounts_table,
        )
        self._add_outputs()

    def _add_outputs(self) -> None:
        outputs = {
            OUTPUT_API_URL: self.api.rest_api.url,
            OUTPUT_API_FUNCTION_NAME: self.api.handler.function.function_name,
            OUTPUT_ACCOUNTS_TABLE_NAME: self.data.accounts_table.table_name,
            OUTPUT_IDEMPOTENCY_TABLE_NAME: self.data.idempotency_table.table_name,
            OUTPUT_CHAIN_TABLE_NAME: self.data.chain_table.table_name,
            OUTPUT_JWT_SECRET_NAME: self.secrets.jwt_secret_name,
            OUTPUT_SIGNER_KEY_ID: self.signer.key.key_id,
            OUTPUT_SIGNER_KEY_ALIAS: self.signer.alias_name,
            OUTPUT_DEPLOYMENTS_PATH: deployments_parameter_path(self.settings.name),
            OUTPUT_CHAIN_EXECUTOR_FUNCTION_NAME: self.chain_executor.handler.function.function_name,
            OUTPUT_SYNC_QUEUE_URL: self.portfolio_sync.queue.queue_url,
            OUTPUT_SYNC_DEAD_LETTER_QUEUE_URL: self.portfolio_sync.dead_letter_queue.queue_url,
            OUTPUT_SYNC_PLANNER_FUNCTION_NAME: self.portfolio_sync.planner.function.function_name,
            OUTPUT_PORTFOLIO_SYNC_FUNCTION_NAME: self.portfolio_sync.worker.function.function_name,
            OUTPUT_PRICE_RECORDER_FUNCTION_NAME: self.price_recorder.handler.function.function_name,
            OUTPUT_TRADE_STATE_MACHINE_ARN: self.trade_flow.state_machine.state_machine_arn,
            OUTPUT_TRADE_FLOW_FUNCTION_NAME: self.trade_flow.handler.function.function_name,
            OUTPUT_EVENT_BUS_NAME: self.trade_flow.event_bus.event_bus_name,
            OUTPUT_TRADE_TOPIC_ARN: self.trade_flow.topic.topic_arn,
        }
        for output_id, value in outputs.items():
            CfnOutput(self, output_id, value=value)
