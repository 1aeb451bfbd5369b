"""Settings and wiring of the two sync functions: the scheduled planner and the queue's consumer."""

from __future__ import annotations

from pydantic import Field

from tradewind.chains.batch import HttpxTransport
from tradewind.chains.registry import ChainRegistry
from tradewind.clock import utc_now
from tradewind.config import AccountsTableSettings, ChainSettings, DeploymentsSettings, StageSettings
from tradewind.deployments.registry import ParameterManifestSource
from tradewind.holdings.discovered import DynamoDiscoveryStore
from tradewind.holdings.discovery import TokenDiscovery
from tradewind.portfolio.factory import build_portfolio_service
from tradewind.portfolio.settings import PortfolioSettings
from tradewind.portfolio.sync import HolderSync
from tradewind.prices.factory import build_price_service
from tradewind.prices.settings import PriceSettings
from tradewind.storage.accounts_table import bind_accounts_table
from tradewind.vaults.dynamodb import DynamoVaultsRepository
from tradewind.wallets.dynamodb import DynamoWalletsRepository


class SyncPlannerSettings(StageSettings, AccountsTableSettings, ChainSettings):
    """The planner scans the accounts table and writes to the sync queue."""

    sync_queue_url: str = Field(pattern=r"^https?://")
    # Requests held in memory between two sends: bounds the planner's memory, not the queue's size.
    sync_plan_page: int = Field(default=100, ge=1)


class SyncWorkerSettings(
    StageSettings, AccountsTableSettings, ChainSettings, DeploymentsSettings, PriceSettings, PortfolioSettings
):
    """The sync function reads chains and prices and writes snapshots and history."""


def build_holder_sync(settings: SyncWorkerSettings) -> HolderSync:
    """Token discovery and the portfolio service, over the same chains and manifests."""
    bind_accounts_table(settings.accounts_table)
    chains = ChainRegistry.select(settings.active_chains, settings.rpc_urls)
    manifests = ParameterManifestSource(settings.deployments_parameter_path, settings.deployments_cache_s)
    discovery = TokenDiscovery(
        chains,
        manifests,
        DynamoDiscoveryStore(),
        settings=settings,
        transport=HttpxTransport(settings.rpc_timeout_s),
        clock=utc_now,
    )
    portfolio = build_portfolio_service(
        settings,
        chains=chains,
        manifests=manifests,
        wallets=DynamoWalletsRepository(),
        vaults=DynamoVaultsRepository(),
        prices=build_price_service(settings, chains, manifests),
        rpc_timeout_s=settings.rpc_timeout_s,
        clock=utc_now,
    )
    return HolderSync(discovery, portfolio)
