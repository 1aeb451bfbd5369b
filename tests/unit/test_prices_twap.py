"""The TWAP source's routes to USDC (direct, through WETH or DAI) over an in-memory PoolTicks."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tests.unit.manifests import placeholder, sample_manifest
from tradewind.deployments.manifest import DeploymentManifest, PoolEntry, TokenEntry
from tradewind.prices.settings import PriceSettings
from tradewind.prices.twap import TickReading, TwapSource

DECIMALS = {"WETH": 18, "USDC": 6, "WBTC": 8, "DAI": 18, "LINK": 18, "PEPE": 18}
# Whole-token prices the pools are set to.
USD = {"WETH": 3000, "WBTC": 60000, "LINK": 15, "DAI": 1}
WHEN = datetime(2024, 1, 1, tzinfo=UTC)


def _pool(name: str, token0: str, token1: str, digit: str) -> PoolEntry:
    return PoolEntry(
        name=name, token0=token0, token1=token1, fee=3000, tick_spacing=60, address=placeholder(digit)
    )


# Token orders as on the local chain: USDC is token1 against WETH, WETH token0 against LINK.
POOLS = (
    _pool("WETH/USDC", "WETH", "USDC", "a"),
    _pool("WBTC/USDC", "USDC", "WBTC", "b"),
    _pool("LINK/WETH", "WETH", "LINK", "c"),
    _pool("DAI/USDC", "DAI", "USDC", "d"),
)


def _manifest() -> DeploymentManifest:
    tokens = tuple(
        TokenEntry(symbol=symbol, name=symbol, decimals=decimals, address=placeholder(str(i)))
        for i, (symbol, decimals) in enumerate(DECIMALS.items())
    )
    return sample_manifest(tokens, None).model_copy(update={"pools": POOLS})


def _tick(pool: PoolEntry) -> int:
    """The tick at which ``pool`` holds the USD prices above."""
    usd0, usd1 = (Decimal(USD.get(t, 1)) for t in (pool.token0, pool.token1))
    raw = usd0 / usd1 * Decimal(10) ** DECIMALS[pool.token1] / Decimal(10) ** DECIMALS[pool.token0]
    return round(math.log(raw) / math.log(1.0001))


class MemoryTicks:
    """PoolTicks from the table above; pools in ``fresh`` only have a spot tick."""

    def __init__(self, fresh: frozenset[str] = frozenset()) -> None:
        self.by_address = {pool.address: pool for pool in POOLS}
        self.fresh = fresh
        self.reads: list[str] = []

    def tick(self, pool_address: str, window_s: int) -> TickReading:
        self.reads.append(pool_address)
        tick = _tick(self.by_address[pool_address])
        if pool_address in self.fresh:
            return TickReading(tick, averaged=False, note="spot tick, TWAP unavailable (OLD)")
        return TickReading(tick, averaged=True, note=f"{window_s}s TWAP")


def _source(ticks: MemoryTicks) -> TwapSource:
    return TwapSource(_manifest(), ticks, window_s=1800, now=lambda: WHEN)


def _close(value: Decimal, expected: int) -> bool:
    return abs(value - expected) / expected * 10_000 <= 1


@pytest.mark.parametrize(("symbol", "pools"), [("WETH", 1), ("WBTC", 1), ("LINK", 2), ("DAI", 1), ("ETH", 1)])
def test_each_symbol_is_priced_through_its_route(symbol: str, pools: int) -> None:
    # Given pools at the table's prices
    ticks = MemoryTicks()
    # When the symbol is quoted
    price = _source(ticks).quote([symbol])[symbol]
    # Then it is within a tick of its USD price, read over the route's pools
    assert _close(price.usd, USD.get(symbol, USD["WETH"]))
    assert (price.source, price.observed_at, price.flagged) == ("uniswap-v3-twap", WHEN, False)
    assert len(ticks.reads) == pools


def test_usdc_is_one_without_reading_a_pool() -> None:
    ticks = MemoryTicks()
    price = _source(ticks).quote(["USDC"])["USDC"]
    assert price.usd == 1
    assert ticks.reads == []


def test_symbols_without_a_route_or_token_are_left_out() -> None:
    assert _source(MemoryTicks()).quote(["PEPE", "UNKNOWN"]) == {}


def test_a_pool_is_read_once_per_quote() -> None:
    ticks = MemoryTicks()
    _source(ticks).quote(["WETH", "LINK", "ETH"])
    assert sorted(ticks.reads) == [placeholder("a"), placeholder("c")]


def test_a_spot_fallback_is_said_in_the_detail() -> None:
    # Given the WETH/USDC pool cannot serve the window
    ticks = MemoryTicks(fresh=frozenset({placeholder("a")}))
    # When LINK is priced through it
    price = _source(ticks).quote(["LINK"])["LINK"]
    # Then the detail names both legs and the fallback
    assert price.detail == "LINK/WETH 1800s TWAP; WETH/USDC spot tick, TWAP unavailable (OLD)"


def test_price_settings_defaults_and_environment() -> None:
    defaults = PriceSettings()
    assert (defaults.twap_window_s, defaults.price_ttl_s, defaults.price_deviation_bps) == (1800, 30, 200)
    assert defaults.coingecko_base_url is None
    loaded = PriceSettings.from_environment(
        {"TRADEWIND_COINGECKO_BASE_URL": "http://127.0.0.1:9/api/v3", "TRADEWIND_PRICE_TTL_S": "5"}
    )
    assert (loaded.coingecko_base_url, loaded.price_ttl_s) == ("http://127.0.0.1:9/api/v3", 5)
