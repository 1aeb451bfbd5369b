"""Wiring of the two functions of the trade flow: the steps that do not sign, and the signing steps."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import Field

from tradewind.audit.dynamodb import DynamoAuditRepository
from tradewind.audit.service import AuditLog
from tradewind.aws.clients import client
from tradewind.chain.kms_signer import KmsSigner
from tradewind.chain.sender import TransactionSender
from tradewind.chains.batch import HttpxTransport
from tradewind.chains.registry import Chain, ChainRegistry
from tradewind.clock import utc_now
from tradewind.config import (
    AccountsTableSettings,
    ChainSettings,
    DeploymentsSettings,
    SignerSettings,
    StageSettings,
)
from tradewind.deployments.registry import ParameterManifestSource
from tradewind.prices.factory import build_price_service
from tradewind.prices.settings import PriceSettings
from tradewind.risk.dynamodb import DynamoRiskProfilesRepository
from tradewind.risk.service import RiskService
from tradewind.risk.settings import RiskSettings
from tradewind.storage.accounts_table import bind_accounts_table
from tradewind.trading.analysis import TradeAnalyzer
from tradewind.trading.dynamodb import DynamoTradesRepository
from tradewind.trading.execution import TradeExecution
from tradewind.trading.executor_steps import TradeExecutorSteps
from tradewind.trading.flow import TradeFlowSteps
from tradewind.trading.notifications import TradeNotifier
from tradewind.trading.volume import RecordedVolume
from tradewind.vaults.dynamodb import DynamoVaultsRepository
from tradewind.vaults.executor import ExecutorSettings


class TradeFlowSettings(
    StageSettings,
    AccountsTableSettings,
    SignerSettings,
    ChainSettings,
    DeploymentsSettings,
    PriceSettings,
    RiskSettings,
):
    """The trade flow function reads chains, prices and the user's risk profile, and publishes outcomes."""

    event_bus_name: str = Field(min_length=1)
    trade_topic_arn: str = Field(min_length=1)


def build_flow_steps(settings: TradeFlowSettings) -> TradeFlowSteps:
    """The non-signing steps over the real adapters; the operator address comes from the KMS key."""
    bind_accounts_table(settings.accounts_table)
    chains = ChainRegistry.select(settings.active_chains, settings.rpc_urls)
    manifests = ParameterManifestSource(settings.deployments_parameter_path, settings.deployments_cache_s)
    trades = DynamoTradesRepository()
    analyzer = TradeAnalyzer(
        chains,
        manifests,
        HttpxTransport(settings.rpc_timeout_s),
        build_price_service(settings, chains, manifests),
        RecordedVolume(trades),
        operator=KmsSigner(client("kms"), settings.signer_key_id).address,
        clock=utc_now,
    )
    return TradeFlowSteps(
        trades,
        DynamoVaultsRepository(),
        analyzer,
        RiskService(DynamoRiskProfilesRepository(), settings.risk_deny_list, utc_now),
        audit=AuditLog(DynamoAuditRepository(), utc_now),
        notifier=TradeNotifier(settings.event_bus_name, settings.trade_topic_arn),
        clock=utc_now,
    )


def build_executor_steps(
    settings: ExecutorSettings, sender_for: Callable[[Chain], TransactionSender]
) -> TradeExecutorSteps:
    """The signing steps over the executor process's senders (shared with the vault deployer)."""
    bind_accounts_table(settings.accounts_table)
    chains = ChainRegistry.select(settings.active_chains, settings.rpc_urls)
    return TradeExecutorSteps(
        DynamoTradesRepository(),
        DynamoVaultsRepository(),
        TradeExecution(chains, sender_for),
        audit=AuditLog(DynamoAuditRepository(), utc_now),
        clock=utc_now,
        confirmation_timeout_s=settings.confirmation_timeout_s,
    )
