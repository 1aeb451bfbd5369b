"""Market history and analysis over recorded prices, and the recorder that records them (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests.unit.memory import FakeClock, InMemoryPriceHistory
from tradewind.errors import NotFound
from tradewind.market.periods import Period
from tradewind.market.service import MarketService
from tradewind.prices.models import Price
from tradewind.prices.recorder import PriceRecorder
from tradewind.prices.service import PriceService

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


class _Quotes:
    """A price source with set prices; ``flagged`` symbols disagree with the checking source."""

    def __init__(self, name: str, prices: dict[str, str]) -> None:
        self.name = name
        self.prices = prices

    def quote(self, symbols: Sequence[str]) -> dict[str, Price]:
        return {
            s: Price(symbol=s, usd=Decimal(self.prices[s]), source=self.name, observed_at=NOW)
            for s in symbols
            if s in self.prices
        }


def _market(history: InMemoryPriceHistory) -> MarketService:
    prices = PriceService([_Quotes("twap", {"ETH": "3000"})], deviation_bps=200, ttl_s=30)
    return MarketService(prices, history, FakeClock(NOW))


def _recorded(history: InMemoryPriceHistory, symbol: str, start: datetime, usd: list[str]) -> None:
    history.record(
        Price(symbol=symbol, usd=Decimal(p), source="twap", observed_at=start + timedelta(minutes=5 * i))
        for i, p in enumerate(usd)
    )


def test_history_buckets_recorded_prices_into_candles_of_the_periods_interval() -> None:
    # Given ETH recorded every five minutes for the last 45 minutes
    history = InMemoryPriceHistory()
    closes = ["3000", "3030", "2990", "3010", "3050", "3020", "3000"]
    _recorded(history, "ETH", NOW - timedelta(minutes=45), closes)
    # When the 24h history is asked (in any case)
    drawn = _market(history).history("eth", Period.DAY)
    # Then three 15-minute candles carry open, high, low and close
    assert [(c.open, c.high, c.low, c.close, c.samples) for c in drawn.candles] == [
        (Decimal(3000), Decimal(3030), Decimal(2990), Decimal(2990), 3),
        (Decimal(3010), Decimal(3050), Decimal(3010), Decimal(3020), 3),
        (Decimal(3000), Decimal(3000), Decimal(3000), Decimal(3000), 1),
    ]
    assert drawn.symbol == "ETH"
    assert drawn.candles[0].start == NOW - timedelta(minutes=45)


def test_analysis_has_each_figure_the_history_supports_with_its_window() -> None:
    # Given 40 hourly closes rising by 10 each hour
    history = InMemoryPriceHistory()
    start = NOW - timedelta(hours=40)
    history.record(
        Price(symbol="ETH", usd=Decimal(2600 + 10 * i), source="twap", observed_at=start + timedelta(hours=i))
        for i in range(40)
    )
    # When the 7d analysis is asked
    analysis = _market(history).analysis("ETH", Period.WEEK).analysis
    # Then the trend is up, RSI is 100 (no losses), drawdown is 0, over 40 one-hour candles
    assert analysis.candles == 40
    assert analysis.trend == "up"
    assert analysis.rsi == Decimal(100)
    assert analysis.max_drawdown is not None
    assert analysis.max_drawdown.fraction == 0
    assert analysis.sma_long_window is not None
    assert analysis.sma_long_window.points == 30
    assert analysis.realised_volatility_annualised is not None
    assert analysis.realised_volatility_annualised > 0


def test_a_symbol_nobody_prices_is_not_found_even_without_history() -> None:
    with pytest.raises(NotFound):
        _market(InMemoryPriceHistory()).history("NOPE", Period.DAY)


def test_the_recorder_keeps_trusted_prices_and_leaves_out_flagged_and_unpriced_ones() -> None:
    # Given two sources that disagree about WBTC by far more than the threshold
    prices = PriceService(
        [_Quotes("twap", {"ETH": "3000", "WBTC": "60000"}), _Quotes("api", {"ETH": "3001", "WBTC": "50000"})],
        deviation_bps=200,
        ttl_s=30,
    )
    history = InMemoryPriceHistory()
    # When the recorder runs over ETH, WBTC and a symbol nobody prices
    result = PriceRecorder(prices, history, lambda: ["ETH", "WBTC", "NOPE", "ETH"]).record()
    # Then only ETH is stored, WBTC is reported flagged and NOPE unpriced
    assert (result.recorded, result.flagged, result.unpriced) == (["ETH"], ["WBTC"], ["NOPE"])
    assert [(p.symbol, p.usd) for p in history.recorded] == [("ETH", Decimal(3000))]
