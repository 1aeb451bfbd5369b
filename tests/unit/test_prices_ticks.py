"""Uniswap V3 tick math: ticks to prices with both tokens' decimals, in either token order."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from tradewind.prices.ticks import mean_tick, price_of, tick_to_price


def _tick_for(price: float) -> int:
    """The tick nearest a raw price (token1 base units per token0 base unit)."""
    return round(math.log(price) / math.log(1.0001))


def _close(value: Decimal, expected: Decimal, bps: int = 1) -> bool:
    return abs(value - expected) / expected * 10_000 <= bps


def test_tick_zero_is_parity_scaled_by_decimals() -> None:
    # Given tick 0 (one base unit for one base unit) between 18 and 6 decimal tokens
    # Then one whole token0 is worth 10^12 whole token1
    assert tick_to_price(0, 18, 6) == Decimal(10) ** 12
    assert tick_to_price(0, 6, 18) == Decimal(10) ** -12


def test_weth_usdc_with_weth_as_token0() -> None:
    # Given a WETH(18)/USDC(6) pool at 3000 USDC per WETH, WETH being token0
    tick = _tick_for(3000 * 10**6 / 10**18)
    # When read from the tick, either way round
    weth_in_usdc = price_of(tick, 18, 6, base_is_token0=True)
    usdc_in_weth = price_of(tick, 18, 6, base_is_token0=False)
    # Then WETH is ~3000 USDC, and USDC ~1/3000 WETH (a tick is 1 bp wide)
    assert _close(weth_in_usdc, Decimal(3000))
    assert _close(usdc_in_weth, Decimal(1) / 3000)


def test_weth_usdc_with_usdc_as_token0() -> None:
    # Given the same market where USDC has the lower address: the pool prices WETH per USDC
    tick = _tick_for(10**18 / (3000 * 10**6))
    # When WETH is the base (token1)
    weth_in_usdc = price_of(tick, 6, 18, base_is_token0=False)
    # Then it is still ~3000 USDC per WETH
    assert tick > 0
    assert _close(weth_in_usdc, Decimal(3000))


def test_wbtc_with_eight_decimals() -> None:
    # Given WBTC(8)/USDC(6) at 60000
    tick = _tick_for(60000 * 10**6 / 10**8)
    # Then the tick reads back as ~60000 USDC per WBTC
    assert _close(price_of(tick, 8, 6, base_is_token0=True), Decimal(60000))


def test_extreme_ticks_keep_precision() -> None:
    # Given the largest and smallest ticks a pool can have
    high, low = tick_to_price(887272, 0, 0), tick_to_price(-887272, 0, 0)
    # Then they are reciprocal to the default context's precision
    assert _close(high * low, Decimal(1), bps=0)


@pytest.mark.parametrize(
    ("then", "now", "window", "expected"),
    [
        (0, 18000, 1800, 10),
        (0, -18000, 1800, -10),
        # Negative and inexact rounds down, as OracleLibrary.consult does
        (0, -18001, 1800, -11),
        (0, 18001, 1800, 10),
        (5_000, 5_000 + 1800 * -201_000, 1800, -201_000),
    ],
)
def test_mean_tick_rounds_towards_negative_infinity(then: int, now: int, window: int, expected: int) -> None:
    assert mean_tick(then, now, window) == expected


def test_mean_tick_needs_a_window() -> None:
    with pytest.raises(ValueError, match="positive"):
        mean_tick(0, 0, 0)
