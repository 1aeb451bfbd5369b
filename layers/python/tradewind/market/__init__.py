"""Market history and analysis: pure functions over price points and candles (no I/O).

Backs the ``/v1/market/{symbol}/history`` and ``/v1/market/{symbol}/analysis`` endpoints; the data
access that feeds it lives elsewhere.
"""

from tradewind.market.analysis import (
    analyse,
    max_drawdown,
    realised_volatility,
    rsi,
    simple_moving_average,
    trend,
)
from tradewind.market.candles import candles
from tradewind.market.models import Analysis, Candle, Drawdown, PricePoint, TrendDirection, Window

__all__ = [
    "Analysis",
    "Candle",
    "Drawdown",
    "PricePoint",
    "TrendDirection",
    "Window",
    "analyse",
    "candles",
    "max_drawdown",
    "realised_volatility",
    "rsi",
    "simple_moving_average",
    "trend",
]
