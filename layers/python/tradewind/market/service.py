"""Market history and analysis of one symbol, from the recorded price history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from tradewind.market.analysis import analyse
from tradewind.market.candles import candles
from tradewind.market.models import Analysis, Candle, PricePoint
from tradewind.market.periods import Period
from tradewind.prices.history import PriceHistory
from tradewind.prices.service import PriceService


class MarketHistory(BaseModel):
    """OHLC candles of one symbol over a period; empty buckets are left out, never filled."""

    model_config = ConfigDict(frozen=True)

    symbol: str
    period: Period
    interval: timedelta
    start: datetime
    end: datetime
    candles: list[Candle]


class MarketAnalysis(BaseModel):
    """The analysis figures of one symbol over a period, each with the window it was computed on."""

    model_config = ConfigDict(frozen=True)

    symbol: str
    period: Period
    start: datetime
    end: datetime
    analysis: Analysis


class MarketService:
    """Reads a symbol's recorded prices and shapes them into candles and figures."""

    def __init__(self, prices: PriceService, history: PriceHistory, clock: Callable[[], datetime]) -> None:
        self._prices = prices
        self._history = history
        self._clock = clock

    def history(self, symbol: str, period: Period) -> MarketHistory:
        """Candles of ``period.interval`` over the period; NotFound when no source prices the symbol."""
        symbol = symbol.upper()
        start, end = period.window(self._clock())
        return MarketHistory(
            symbol=symbol,
            period=period,
            interval=period.interval,
            start=start,
            end=end,
            candles=candles(self._points(symbol, start, end), period.interval, start, end),
        )

    def analysis(self, symbol: str, period: Period) -> MarketAnalysis:
        """Volatility, trend, drawdown and RSI of the period's candles (None while data is short)."""
        history = self.history(symbol, period)
        return MarketAnalysis(
            symbol=history.symbol,
            period=period,
            start=history.start,
            end=history.end,
            analysis=analyse(history.candles, period.interval),
        )

    def _points(self, symbol: str, start: datetime, end: datetime) -> list[PricePoint]:
        points = self._history.points(symbol, start, end)
        if not points:
            # No history yet is not the same as a symbol nobody knows: this raises NotFound for the latter.
            self._prices.price(symbol)
        return points
