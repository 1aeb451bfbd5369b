"""Market analysis figures against hand-computed values, and the windows they report."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tradewind.errors import InvalidInput
from tradewind.market import (
    Candle,
    PricePoint,
    analyse,
    max_drawdown,
    realised_volatility,
    rsi,
    simple_moving_average,
    trend,
)

T0 = datetime(2024, 1, 1, tzinfo=UTC)
DAY = timedelta(days=1)


def _points(prices: Sequence[float | int | str]) -> list[PricePoint]:
    return [PricePoint(at=T0 + i * DAY, usd=Decimal(str(p))) for i, p in enumerate(prices)]


def _decimals(prices: Sequence[float | int | str]) -> list[Decimal]:
    return [Decimal(str(p)) for p in prices]


def _candles(prices: Sequence[float | int | str]) -> list[Candle]:
    return [
        Candle(start=p.at, open=p.usd, high=p.usd, low=p.usd, close=p.usd, samples=1) for p in _points(prices)
    ]


# Volatility


def test_volatility_of_a_constant_series_is_zero() -> None:
    assert realised_volatility(_points([100] * 10), 365) == 0


def test_volatility_of_an_alternating_series() -> None:
    # Given 100, 110, 100, 110, 100: log returns +r, -r, +r, -r with r = ln 1.1, mean 0
    # Then the sample variance is 4r^2 / 3, annualised over 365 periods
    r = math.log(1.1)
    expected = math.sqrt(4 * r**2 / 3) * math.sqrt(365)
    assert realised_volatility(_points([100, 110, 100, 110, 100]), 365) == pytest.approx(expected)


def test_volatility_ignores_input_order() -> None:
    points = _points([100, 110, 100, 105])
    assert realised_volatility(points[::-1], 365) == realised_volatility(points, 365)


def test_volatility_needs_two_returns() -> None:
    with pytest.raises(InvalidInput) as caught:
        realised_volatility(_points([100, 110]), 365)
    assert caught.value.field == "period"


# Moving averages and trend


def test_simple_moving_average_of_the_last_values() -> None:
    assert simple_moving_average(_decimals([1, 2, 3, 4, 5]), 2) == Decimal("4.5")
    assert simple_moving_average(_decimals([1, 2, 3, 4, 5]), 5) == Decimal(3)


def test_rising_series_trends_up_and_falling_down() -> None:
    rising = _decimals(range(100, 130))
    assert trend(rising, short=5, long=20) == "up"
    assert trend(rising[::-1], short=5, long=20) == "down"


def test_averages_within_the_band_are_flat() -> None:
    # Given a long average of 100 and a short one 0.4% above it (within the 0.5% band)
    closes = _decimals([99.6] * 5 + [100.4] * 5)
    assert simple_moving_average(closes, 10) == Decimal(100)
    assert trend(closes, short=5, long=10) == "flat"
    # Then a band narrower than the gap makes it a trend
    assert trend(closes, short=5, long=10, band=Decimal("0.003")) == "up"


def test_trend_needs_the_long_window_and_a_shorter_short_one() -> None:
    with pytest.raises(InvalidInput):
        trend(_decimals(range(10)), short=5, long=20)
    with pytest.raises(InvalidInput):
        trend(_decimals(range(1, 30)), short=10, long=10)


# Drawdown


def test_drawdown_between_the_right_peak_and_trough() -> None:
    # Given 100, 120, 90, 130: the worst fall is 120 -> 90
    result = max_drawdown(_points([100, 120, 90, 130]))
    # Then it is 25%, from day 1 to day 2, over all four points
    assert result.fraction == Decimal("0.25")
    assert (result.peak_at, result.trough_at) == (T0 + DAY, T0 + 2 * DAY)
    assert (result.window.start, result.window.end, result.window.points) == (T0, T0 + 3 * DAY, 4)


def test_drawdown_keeps_the_deepest_fall_not_the_latest() -> None:
    result = max_drawdown(_points([100, 50, 200, 180]))
    assert result.fraction == Decimal("0.5")
    assert (result.peak_at, result.trough_at) == (T0, T0 + DAY)


def test_rising_series_has_no_drawdown() -> None:
    result = max_drawdown(_points([1, 2, 3]))
    assert result.fraction == 0
    assert result.peak_at == result.trough_at == T0


# RSI


def test_rsi_with_wilder_smoothing_by_hand() -> None:
    # Given closes 10, 11, 10.5, 11.5, 11 and period 3: changes +1, -0.5, +1, -0.5
    closes = _decimals(["10", "11", "10.5", "11.5", "11"])
    # Then the first averages are gain 2/3, loss 1/6: RS 4, RSI 80
    assert rsi(closes[:4], period=3) == Decimal(80)
    # And after smoothing in -0.5: gain 4/9, loss 5/18, RS 1.6, RSI 100 - 100/2.6
    assert rsi(closes, period=3).quantize(Decimal("0.0001")) == Decimal("61.5385")


def test_rsi_extremes() -> None:
    assert rsi(_decimals(range(1, 16))) == 100
    assert rsi(_decimals([5] * 15)) == 50
    assert rsi(_decimals([10, 11] * 7 + [10])) == 50


def test_rsi_smooths_a_change_after_the_first_window() -> None:
    # Given 14 alternating changes of +/-1 (averages 0.5 and 0.5), then one more +1
    closes = _decimals([10, 11] * 8)
    # Then gain becomes (0.5 * 13 + 1) / 14 = 7.5/14, loss 6.5/14, and RSI 100 * 7.5 / 14
    assert rsi(closes).quantize(Decimal("0.0001")) == Decimal("53.5714")


def test_rsi_needs_period_plus_one_closes() -> None:
    with pytest.raises(InvalidInput) as caught:
        rsi(_decimals(range(1, 15)))
    assert caught.value.field == "period"


# analyse


def test_analyse_reports_each_figure_with_its_window() -> None:
    # Given 40 rising daily candles, shuffled
    history = _candles(range(100, 140))
    result = analyse(history[::-1], DAY)
    last = T0 + 39 * DAY
    # Then every figure is present, on the window it used
    assert result.candles == 40
    assert result.volatility_window is not None
    assert (result.volatility_window.start, result.volatility_window.end) == (T0, last)
    assert result.realised_volatility_annualised is not None
    assert result.realised_volatility_annualised > 0
    assert result.trend == "up"
    assert result.sma_short == Decimal("134.5")
    assert result.sma_short_window is not None
    assert (result.sma_short_window.start, result.sma_short_window.points) == (T0 + 30 * DAY, 10)
    assert result.sma_long == Decimal("124.5")
    assert result.sma_long_window is not None
    assert (result.sma_long_window.start, result.sma_long_window.end) == (T0 + 10 * DAY, last)
    assert result.max_drawdown is not None
    assert result.max_drawdown.fraction == 0
    assert (result.rsi, result.rsi_period) == (Decimal(100), 14)
    assert result.rsi_window is not None
    assert result.rsi_window.points == 40


def test_analyse_uses_the_interval_to_annualise() -> None:
    history = _candles([100, 110, 100, 110, 100])
    daily = analyse(history, DAY).realised_volatility_annualised
    hourly = analyse(history, timedelta(hours=1)).realised_volatility_annualised
    assert daily is not None
    assert hourly is not None
    assert hourly == pytest.approx(daily * math.sqrt(24))


def test_analyse_leaves_figures_without_enough_data_empty() -> None:
    # Given five candles: too few for the averages (30) and RSI (15)
    result = analyse(_candles([100, 120, 90, 130, 125]), DAY)
    # Then those are None while volatility and drawdown are computed
    assert result.trend is None
    assert result.sma_long is None
    assert result.rsi is None
    assert result.rsi_window is None
    assert result.realised_volatility_annualised is not None
    assert result.max_drawdown is not None
    assert result.max_drawdown.fraction == Decimal("0.25")


def test_analyse_of_no_candles_has_no_figures() -> None:
    result = analyse([], DAY)
    assert result.candles == 0
    assert result.max_drawdown is None
    assert result.realised_volatility_annualised is None


def test_analyse_rejects_a_non_positive_interval() -> None:
    with pytest.raises(InvalidInput) as caught:
        analyse(_candles([1, 2, 3]), timedelta(0))
    assert caught.value.field == "interval"
