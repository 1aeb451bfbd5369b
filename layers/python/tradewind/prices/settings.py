"""Settings of the price service and its sources, loaded like every mixin (``TRADEWIND_<NAME>``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tradewind.chain.settings import RpcPoolSettings

CoinGeckoKeyHeader = Literal["x-cg-pro-api-key", "x-cg-demo-api-key"]


class PriceSettings(RpcPoolSettings):
    """TWAP window, cache lifetime, cross-check threshold, where the price API is, and how the pricing
    chain's RPC pool retries and fails over."""

    # The chain whose Uniswap V3 pools give the on-chain prices; the first active chain when unset.
    price_chain: str | None = Field(default=None, min_length=1)
    # observe() takes a uint32 of seconds ago.
    twap_window_s: int = Field(default=1800, gt=0, lt=2**32)
    price_ttl_s: float = Field(default=30.0, ge=0)
    price_deviation_bps: int = Field(default=200, gt=0)
    # No default: the deployment names the API it pays for (pro or demo host) explicitly.
    coingecko_base_url: str | None = Field(default=None, pattern=r"^https?://")
    coingecko_key_secret_id: str | None = Field(default=None, min_length=1)
    coingecko_key_header: CoinGeckoKeyHeader = "x-cg-pro-api-key"
    coingecko_timeout_s: float = Field(default=3.0, gt=0)
    coingecko_key_cache_s: int = Field(default=300, ge=0)
