"""Builds the price service from settings: the TWAP source on the pricing chain, then CoinGecko if set."""

from __future__ import annotations

from tradewind.chains.registry import ChainRegistry
from tradewind.deployments.registry import ManifestSource
from tradewind.prices.service import PriceService, PriceSource
from tradewind.prices.settings import PriceSettings


def build_price_service(
    settings: PriceSettings, chains: ChainRegistry, manifests: ManifestSource, rpc_timeout_s: float
) -> PriceService:
    """The on-chain TWAP first (the pricing chain's pools), the price API as a cross-check when configured."""
    # web3 is imported here, on the first price request, not at the API's cold start.
    from web3 import HTTPProvider, Web3  # noqa: PLC0415

    from tradewind.prices.coingecko import coingecko_source  # noqa: PLC0415 - httpx, likewise
    from tradewind.prices.twap import TwapSource, Web3PoolTicks  # noqa: PLC0415

    chain = chains.get(settings.price_chain) if settings.price_chain else next(iter(chains))
    w3 = Web3(HTTPProvider(str(chain.rpc_urls[0]), request_kwargs={"timeout": rpc_timeout_s}))
    sources: list[PriceSource] = [
        TwapSource(
            manifests.manifest(chain.key), Web3PoolTicks(w3, f"chain:{chain.key}"), settings.twap_window_s
        )
    ]
    api = coingecko_source(settings)
    if api is not None:
        sources.append(api)
    return PriceService(sources, deviation_bps=settings.price_deviation_bps, ttl_s=settings.price_ttl_s)
