"""Uniswap V3 price math for pool set-up: sqrtPriceX96 from USD prices and decimals, and back."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

Q96 = 2**96
# TickMath.MIN_TICK / MAX_TICK: the full range a position can span.
MIN_TICK = -887272
MAX_TICK = 887272


def raw_price(price: Fraction, decimals0: int, decimals1: int) -> Fraction:
    """Token1 base units per token0 base unit, for ``price`` token1 per token0 in whole tokens."""
    return price * Fraction(10**decimals1, 10**decimals0)


def sqrt_price_x96(price: Fraction, decimals0: int, decimals1: int) -> int:
    """The pool's sqrtPriceX96 for ``price`` token1 per token0 (whole tokens)."""
    ratio = raw_price(price, decimals0, decimals1)
    # Integer square root of ratio * 2^192: exact to one unit in 2^96, no float rounding.
    return math.isqrt(ratio.numerator * Q96 * Q96 // ratio.denominator)


def price_from_sqrt_x96(sqrt_price: int, decimals0: int, decimals1: int) -> Decimal:
    """Token1 per token0 in whole tokens, read back from a pool's sqrtPriceX96."""
    ratio = Fraction(sqrt_price * sqrt_price, Q96 * Q96) * Fraction(10**decimals0, 10**decimals1)
    return Decimal(ratio.numerator) / Decimal(ratio.denominator)


def full_range_ticks(tick_spacing: int) -> tuple[int, int]:
    """The widest tick range a position may use: MIN/MAX_TICK rounded inwards to ``tick_spacing``."""
    lower = -(-MIN_TICK // tick_spacing) * tick_spacing
    upper = (MAX_TICK // tick_spacing) * tick_spacing
    return lower, upper


def base_units(amount: Decimal, decimals: int) -> int:
    """``amount`` whole tokens in base units, rounded down."""
    return int(amount.scaleb(decimals))


def units_worth(usd: Decimal, usd_price: Decimal, decimals: int, *, round_up: bool = False) -> int:
    """Base units of a token priced ``usd_price`` worth ``usd``, rounded down (or up), computed exactly."""
    units: Fraction = Fraction(usd) / Fraction(usd_price) * 10**decimals
    return -(-units.numerator // units.denominator) if round_up else units.numerator // units.denominator
