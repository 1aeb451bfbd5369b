"""Volatility, moving averages, trend, drawdown and RSI over a price history.

The building blocks raise ``InvalidInput`` (field ``period``) when given too few points for their
figure; ``analyse`` instead leaves such a figure ``None`` so that a short history still gets the
figures it can support. Prices stay ``Decimal`` throughout, except inside the volatility maths,
where logarithms and square roots need float and the result is a statistic, not an amount.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal

from tradewind.errors import InvalidInput
from tradewind.market.models import Analysis, Candle, Drawdown, PricePoint, TrendDirection, Window

DEFAULT_SHORT = 10
DEFAULT_LONG = 30
DEFAULT_RSI_PERIOD = 14
# Moving averages closer than this (relative to the long one) count as "flat".
DEFAULT_FLAT_BAND = Decimal("0.005")
# Crypto markets trade around the clock, so a year is 365 days of intervals.
_YEAR = timedelta(days=365)


def _require(count: int, needed: int, figure: str) -> None:
    if count < needed:
        raise InvalidInput(f"{figure} needs at least {needed} points, got {count}", field="period")


def _window(points: Sequence[PricePoint]) -> Window:
    return Window(start=points[0].at, end=points[-1].at, points=len(points))


def realised_volatility(points: Sequence[PricePoint], periods_per_year: float) -> float:
    """Annualised volatility: sample stdev of log returns between consecutive points x sqrt(periods).

    Points are taken in time order and assumed evenly spaced; needs at least 3 (two returns).
    """
    _require(len(points), 3, "volatility")
    if periods_per_year <= 0:
        raise InvalidInput("periods per year must be positive", field="interval")
    prices = [float(p.usd) for p in sorted(points, key=lambda p: p.at)]
    returns = [math.log(b / a) for a, b in itertools.pairwise(prices)]
    return _sample_stdev(returns) * math.sqrt(periods_per_year)


def _sample_stdev(values: Sequence[float]) -> float:
    """The sample standard deviation (n - 1); written out because ``statistics`` costs the API's
    cold start ~8 ms of imports (random, fractions) for this one function."""
    mean = math.fsum(values) / len(values)
    return math.sqrt(math.fsum((value - mean) ** 2 for value in values) / (len(values) - 1))


def simple_moving_average(values: Sequence[Decimal], period: int) -> Decimal:
    """Mean of the last ``period`` values."""
    if period < 1:
        raise InvalidInput("period must be at least 1", field="period")
    _require(len(values), period, "moving average")
    return sum(values[-period:], Decimal(0)) / period


def trend(
    closes: Sequence[Decimal],
    short: int = DEFAULT_SHORT,
    long: int = DEFAULT_LONG,
    band: Decimal = DEFAULT_FLAT_BAND,
) -> TrendDirection:
    """Up or down when the short average is above or below the long one by more than ``band``."""
    if not 1 <= short < long:
        raise InvalidInput("the short period must be at least 1 and below the long one", field="period")
    long_average = simple_moving_average(closes, long)
    gap = (simple_moving_average(closes, short) - long_average) / long_average
    if gap > band:
        return "up"
    if gap < -band:
        return "down"
    return "flat"


def max_drawdown(points: Sequence[PricePoint]) -> Drawdown:
    """Largest fall from a running peak to a later point, as a fraction of that peak."""
    _require(len(points), 2, "drawdown")
    ordered = sorted(points, key=lambda p: p.at)
    peak = best_peak = best_trough = ordered[0]
    worst = Decimal(0)
    for point in ordered[1:]:
        if point.usd > peak.usd:
            peak = point
            continue
        fall = (peak.usd - point.usd) / peak.usd
        if fall > worst:
            worst, best_peak, best_trough = fall, peak, point
    return Drawdown(fraction=worst, peak_at=best_peak.at, trough_at=best_trough.at, window=_window(ordered))


def rsi(closes: Sequence[Decimal], period: int = DEFAULT_RSI_PERIOD) -> Decimal:
    """Wilder's relative strength index (0-100) at the last close; needs ``period + 1`` closes.

    The first averages are plain means of the first ``period`` gains and losses; each later change
    is folded in with Wilder's smoothing, ``avg = (avg * (period - 1) + change) / period``.
    A window with no losses reads 100, one with no changes at all 50.
    """
    if period < 1:
        raise InvalidInput("period must be at least 1", field="period")
    _require(len(closes), period + 1, "RSI")
    changes = [b - a for a, b in itertools.pairwise(closes)]
    gains = [max(c, Decimal(0)) for c in changes]
    losses = [max(-c, Decimal(0)) for c in changes]
    avg_gain = sum(gains[:period], Decimal(0)) / period
    avg_loss = sum(losses[:period], Decimal(0)) / period
    for gain, loss in zip(gains[period:], losses[period:], strict=True):
        avg_gain = (avg_gain * (period - 1) + gain) / period
        avg_loss = (avg_loss * (period - 1) + loss) / period
    if avg_loss == 0:
        return Decimal(50) if avg_gain == 0 else Decimal(100)
    return 100 - 100 / (1 + avg_gain / avg_loss)


def analyse(
    history: Sequence[Candle],
    interval: timedelta,
    *,
    short: int = DEFAULT_SHORT,
    long: int = DEFAULT_LONG,
    rsi_period: int = DEFAULT_RSI_PERIOD,
) -> Analysis:
    """Every figure over the candles' closes, each on the widest window it can use, else ``None``.

    Volatility, drawdown and RSI use the whole history; the averages use the last ``short`` and
    ``long`` closes. Candles are taken as consecutive: a gap (an omitted empty bucket) makes one
    return span several intervals.
    """
    if interval <= timedelta(0):
        raise InvalidInput("interval must be positive", field="interval")
    if not 1 <= short < long:
        raise InvalidInput("the short period must be at least 1 and below the long one", field="period")
    ordered = sorted(history, key=lambda c: c.start)
    points = [PricePoint(at=c.start, usd=c.close) for c in ordered]
    closes = [p.usd for p in points]
    figures: dict[str, object] = {}

    if len(points) >= 3:
        figures["realised_volatility_annualised"] = realised_volatility(points, _YEAR / interval)
        figures["volatility_window"] = _window(points)
    if len(points) >= long:
        figures["trend"] = trend(closes, short, long)
        figures["sma_short"] = simple_moving_average(closes, short)
        figures["sma_short_window"] = _window(points[-short:])
        figures["sma_long"] = simple_moving_average(closes, long)
        figures["sma_long_window"] = _window(points[-long:])
    if len(points) >= 2:
        figures["max_drawdown"] = max_drawdown(points)
    if len(points) >= rsi_period + 1:
        figures["rsi"] = rsi(closes, rsi_period)
        figures["rsi_period"] = rsi_period
        figures["rsi_window"] = _window(points)

    return Analysis.model_validate({"interval": interval, "candles": len(ordered), **figures})
