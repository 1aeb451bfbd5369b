"""Builds the portfolio service for the API on its first request: the holdings reader brings eth_abi."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from tradewind.chains.registry import ChainRegistry
from tradewind.deployments.registry import ManifestSource
from tradewind.portfolio.history_dynamodb import DynamoValueHistory
from tradewind.portfolio.service import PortfolioService, VaultLister, WalletLister
from tradewind.portfolio.settings import PortfolioSettings
from tradewind.portfolio.snapshots import DynamoSnapshotSource
from tradewind.prices.service import PriceService


def build_portfolio_service(
    settings: PortfolioSettings,
    *,
    chains: ChainRegistry,
    manifests: ManifestSource,
    wallets: WalletLister,
    vaults: VaultLister,
    prices: PriceService,
    rpc_timeout_s: float,
    clock: Callable[[], datetime],
) -> PortfolioService:
    """The portfolio over the Multicall3 holdings reader, with snapshots and history on the accounts table."""
    # eth_abi is imported here, on the first portfolio request, not at the API's cold start.
    from tradewind.chains.batch import HttpxTransport  # noqa: PLC0415
    from tradewind.holdings.discovered import DynamoDiscoveryStore  # noqa: PLC0415
    from tradewind.holdings.reader import HoldingsReader  # noqa: PLC0415

    snapshots = DynamoSnapshotSource()
    reader = HoldingsReader(
        chains,
        manifests,
        snapshots,
        settings=settings,
        transport=HttpxTransport(rpc_timeout_s),
        clock=clock,
        # The tokens the scheduled sync discovered in each owner's Transfer logs, beside the manifest's.
        discovered=DynamoDiscoveryStore(),
    )
    return PortfolioService(
        wallets,
        vaults,
        reader,
        prices,
        clock,
        chains=chains,
        snapshots=snapshots,
        history=DynamoValueHistory(),
        max_age_s=settings.portfolio_max_age_s,
    )
