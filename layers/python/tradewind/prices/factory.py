"""Builds the price service (the TWAP source on the pricing chain, then CoinGecko if set) and the recorder."""

from __future__ import annotations

from tradewind.chains.registry import Chain, ChainRegistry
from tradewind.config import AccountsTableSettings, ChainSettings, DeploymentsSettings, StageSettings
from tradewind.deployments.registry import ManifestSource, ParameterManifestSource
from tradewind.prices.history import DynamoPriceHistory
from tradewind.prices.recorder import PriceRecorder
from tradewind.prices.service import PriceService, PriceSource
from tradewind.prices.settings import PriceSettings
from tradewind.storage.accounts_table import bind_accounts_table


def pricing_chain(settings: PriceSettings, chains: ChainRegistry) -> Chain:
    """The chain whose pools give the on-chain prices: the configured one, else the first active chain."""
    return chains.get(settings.price_chain) if settings.price_chain else next(iter(chains))


def build_price_service(
    settings: PriceSettings, chains: ChainRegistry, manifests: ManifestSource
) -> PriceService:
    """The on-chain TWAP first (the pricing chain's pools), the price API as a cross-check when configured."""
    # web3 is imported here, on the first price request, not at the API's cold start.
    from tradewind.chain.client import connect  # noqa: PLC0415 - web3 and httpx come with it
    from tradewind.prices.coingecko import coingecko_source  # noqa: PLC0415 - httpx, likewise
    from tradewind.prices.twap import TwapSource, Web3PoolTicks  # noqa: PLC0415

    chain = pricing_chain(settings, chains)
    # Over the chain's RPC pool: retries and failover like every other chain read.
    w3 = connect(chain, settings).w3
    sources: list[PriceSource] = [
        TwapSource(
            manifests.manifest(chain.key), Web3PoolTicks(w3, f"chain:{chain.key}"), settings.twap_window_s
        )
    ]
    api = coingecko_source(settings)
    if api is not None:
        sources.append(api)
    return PriceService(sources, deviation_bps=settings.price_deviation_bps, ttl_s=settings.price_ttl_s)


class RecorderSettings(
    StageSettings, AccountsTableSettings, ChainSettings, DeploymentsSettings, PriceSettings
):
    """The price recorder reads prices like the API and writes history to the accounts table."""


def build_recorder(settings: RecorderSettings) -> PriceRecorder:
    """Records the price of every token of the pricing chain's manifest, and of its native coin."""
    bind_accounts_table(settings.accounts_table)
    chains = ChainRegistry.select(settings.active_chains, settings.rpc_urls)
    manifests = ParameterManifestSource(settings.deployments_parameter_path, settings.deployments_cache_s)
    chain = pricing_chain(settings, chains)

    def tracked() -> list[str]:
        return [chain.native.symbol, *(token.symbol for token in manifests.manifest(chain.key).tokens)]

    prices = build_price_service(settings, chains, manifests)
    return PriceRecorder(prices, DynamoPriceHistory(), tracked)
