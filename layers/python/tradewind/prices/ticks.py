"""Uniswap V3 tick math: a tick is a price of 1.0001^tick token1 base units per token0 base unit."""

from __future__ import annotations

from decimal import Decimal, localcontext

TICK_BASE = Decimal("1.0001")
# Ticks reach +-887272; 1.0001^887272 has 39 integer digits, so 50 keeps ~10 significant digits
# beyond what any price needs before rounding back to the default context.
_PRECISION = 50


def tick_to_price(tick: int, decimals0: int, decimals1: int) -> Decimal:
    """Whole token1 per whole token0 at ``tick``."""
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        value = (TICK_BASE**tick).scaleb(decimals0 - decimals1)
    return +value


def mean_tick(cumulative_then: int, cumulative_now: int, window_s: int) -> int:
    """The arithmetic mean tick over ``window_s`` seconds, rounded towards negative infinity.

    Matches OracleLibrary.consult: Solidity truncates, then subtracts one for a negative inexact
    quotient, which is Python's floor division.
    """
    if window_s <= 0:
        raise ValueError("window_s must be positive")
    return (cumulative_now - cumulative_then) // window_s


def price_of(tick: int, decimals0: int, decimals1: int, *, base_is_token0: bool) -> Decimal:
    """Whole units of the pool's other token per whole base token, the base being either side."""
    one_token0 = tick_to_price(tick, decimals0, decimals1)
    return one_token0 if base_is_token0 else 1 / one_token0
