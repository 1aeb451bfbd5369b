"""Portfolio analysis figures against hand-computed values, and ``None`` with a reason when data is short."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tradewind.errors import InvalidInput
from tradewind.insights import analyse_portfolio, correlations
from tradewind.market import Candle, PricePoint, max_drawdown, realised_volatility

T0 = datetime(2024, 1, 1, tzinfo=UTC)
DAY = timedelta(days=1)


def _candles(prices: Sequence[Decimal | float | int | str], skip: Sequence[int] = ()) -> list[Candle]:
    """Daily candles closing at ``prices``; the indexes in ``skip`` are left out (no trades then)."""
    return [
        Candle(
            start=T0 + i * DAY,
            open=Decimal(str(p)),
            high=Decimal(str(p)),
            low=Decimal(str(p)),
            close=Decimal(str(p)),
            samples=1,
        )
        for i, p in enumerate(prices)
        if i not in skip
    ]


def _usd(**values: int | str) -> dict[str, Decimal]:
    return {symbol: Decimal(str(value)) for symbol, value in values.items()}


# Concentration and shares


def test_equal_weights_have_hhi_one_over_n() -> None:
    # Given four holdings of 250 USD each
    analysis = analyse_portfolio(_usd(A=250, B=250, C=250, D=250), {}, set(), DAY)

    # Then HHI is 4 x 0.25^2 = 0.25, there are 4 effective holdings, and the tie goes to A
    assert analysis.hhi == Decimal("0.25")
    assert analysis.effective_holdings == 4
    assert analysis.largest.symbol == "A"
    assert analysis.largest.weight == Decimal("0.25")
    assert analysis.total_usd == 1000


def test_a_single_holding_is_fully_concentrated() -> None:
    analysis = analyse_portfolio(_usd(ETH=1234), {"ETH": _candles([100, 100, 100])}, set(), DAY)

    assert analysis.hhi == 1
    assert analysis.effective_holdings == 1
    assert (analysis.largest.symbol, analysis.largest.weight) == ("ETH", Decimal(1))


def test_stablecoin_share_and_unequal_hhi() -> None:
    # Given 600 ETH, 300 USDC, 100 DAI (USD), two of them stablecoins, and a zero holding
    analysis = analyse_portfolio(_usd(ETH=600, USDC=300, DAI=100, WBTC=0), {}, {"USDC", "DAI"}, DAY)

    # Then the zero holding is dropped, stablecoins are 40 %, HHI = 0.36 + 0.09 + 0.01
    assert analysis.weights == {"DAI": Decimal("0.1"), "ETH": Decimal("0.6"), "USDC": Decimal("0.3")}
    assert analysis.stablecoins == ("DAI", "USDC")
    assert analysis.stablecoin_share == Decimal("0.4")
    assert analysis.hhi == Decimal("0.46")
    assert (analysis.largest.symbol, analysis.largest.weight) == ("ETH", Decimal("0.6"))


def test_nothing_held_is_invalid() -> None:
    with pytest.raises(InvalidInput):
        analyse_portfolio(_usd(ETH=0), {}, set(), DAY)
    with pytest.raises(InvalidInput):
        analyse_portfolio(_usd(ETH=-1), {}, set(), DAY)


# Volatility and drawdown of the portfolio series


def test_constant_prices_have_zero_volatility_and_drawdown() -> None:
    history = {"ETH": _candles([100] * 5), "BTC": _candles([50] * 5)}

    analysis = analyse_portfolio(_usd(ETH=200, BTC=100), history, set(), DAY)

    assert analysis.volatility_annualised == 0
    assert analysis.max_drawdown is not None
    assert analysis.max_drawdown.fraction == 0
    assert analysis.series_points == 5


def test_portfolio_series_is_todays_units_at_each_close() -> None:
    # Given 200 USD of ETH (last close 100: 2 units) and 100 USD of BTC (last close 50: 2 units),
    # plus 100 USDC with no history (held at its peg)
    history = {"ETH": _candles([100, 120, 90, 110, 100]), "BTC": _candles([50, 40, 60, 30, 50])}

    analysis = analyse_portfolio(_usd(ETH=200, BTC=100, USDC=100), history, {"USDC"}, DAY)

    # Then the value series is 2 ETH + 2 BTC + 100 = 400, 420, 400, 380, 400
    series = [PricePoint(at=T0 + i * DAY, usd=Decimal(v)) for i, v in enumerate([400, 420, 400, 380, 400])]
    assert analysis.max_drawdown == max_drawdown(series)
    assert analysis.max_drawdown is not None
    assert analysis.max_drawdown.fraction == Decimal(40) / Decimal(420)
    assert analysis.max_drawdown.peak_at == T0 + DAY
    assert analysis.max_drawdown.trough_at == T0 + 3 * DAY
    assert analysis.volatility_annualised == pytest.approx(realised_volatility(series, 365))
    assert analysis.volatility_annualised == pytest.approx(
        _stdev([math.log(420 / 400), math.log(400 / 420), math.log(380 / 400), math.log(400 / 380)])
        * math.sqrt(365)
    )
    assert analysis.unavailable == {}


def _stdev(values: Sequence[float]) -> float:
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def test_only_starts_every_priced_holding_has_are_used() -> None:
    # Given BTC has no candle on day 1 (100 -> 120 for ETH that day)
    history = {"ETH": _candles([100, 120, 90, 110, 100]), "BTC": _candles([50, 40, 60, 30, 50], skip=[1])}

    analysis = analyse_portfolio(_usd(ETH=200, BTC=100), history, set(), DAY)

    # Then the series is 300 (day 0), 300 (day 2), 280 (day 3), 300 (day 4): peak 300, trough 280
    assert analysis.series_points == 4
    assert analysis.max_drawdown is not None
    assert analysis.max_drawdown.fraction == Decimal(20) / Decimal(300)


def test_hourly_interval_annualises_over_hours() -> None:
    history = {"ETH": _candles([100, 110, 100, 110])}

    hourly = analyse_portfolio(_usd(ETH=100), history, set(), timedelta(hours=1))
    daily = analyse_portfolio(_usd(ETH=100), history, set(), DAY)

    assert hourly.volatility_annualised is not None
    assert daily.volatility_annualised is not None
    assert hourly.volatility_annualised == pytest.approx(daily.volatility_annualised * math.sqrt(24))


def test_short_history_gives_none_with_the_reason() -> None:
    # Given two common closes only
    analysis = analyse_portfolio(_usd(ETH=100), {"ETH": _candles([100, 90])}, set(), DAY)

    # Then the drawdown is known (10 %) but the volatility is not, and says why
    assert analysis.volatility_annualised is None
    assert analysis.unavailable == {
        "volatility_annualised": "needs at least 3 common closes of every priced holding, got 2"
    }
    assert analysis.max_drawdown is not None
    assert analysis.max_drawdown.fraction == Decimal("0.1")


def test_a_single_close_leaves_both_figures_unknown() -> None:
    analysis = analyse_portfolio(_usd(ETH=100), {"ETH": _candles([100])}, set(), DAY)

    assert analysis.volatility_annualised is None
    assert analysis.max_drawdown is None
    assert (
        analysis.unavailable["max_drawdown"]
        == "needs at least 2 common closes of every priced holding, got 1"
    )


def test_a_volatile_holding_without_history_is_not_guessed() -> None:
    # Given ETH has history but PEPE (not a stablecoin) has none
    analysis = analyse_portfolio(_usd(ETH=100, PEPE=50), {"ETH": _candles([100, 90, 95])}, set(), DAY)

    # Then neither figure is computed on ETH alone
    assert analysis.volatility_annualised is None
    assert analysis.max_drawdown is None
    assert analysis.unavailable == {
        "volatility_annualised": "no price history for PEPE",
        "max_drawdown": "no price history for PEPE",
    }


# Correlation

PRICES = [100, 110, 99, 120, 115, 130]


def test_proportional_series_correlate_at_plus_one() -> None:
    (pair,) = correlations({"A": _candles(PRICES), "B": _candles([2 * p for p in PRICES])})

    assert (pair.a, pair.b, pair.points) == ("A", "B", 6)
    assert pair.coefficient == pytest.approx(1.0)


def test_mirrored_series_correlate_at_minus_one() -> None:
    # Given B = 10000 / A: every log return of B is minus that of A
    (pair,) = correlations({"A": _candles(PRICES), "B": _candles([Decimal(10000) / p for p in PRICES])})

    assert pair.coefficient == pytest.approx(-1.0)


def test_correlation_needs_enough_common_points() -> None:
    # Given A and B share only days 0, 1 and 2 of their closes
    history = {"A": _candles(PRICES), "B": _candles(PRICES[:3]), "C": _candles(PRICES)}

    pairs = {(c.a, c.b): c for c in analyse_portfolio(_usd(A=1, B=1, C=1), history, set(), DAY).correlations}

    assert pairs["A", "B"].coefficient is None
    assert pairs["A", "B"].points == 3
    assert pairs["A", "B"].reason == "needs at least 4 common closes, got 3"
    assert pairs["A", "C"].coefficient == pytest.approx(1.0)
    assert pairs["A", "C"].points == 6


def test_a_constant_price_has_no_correlation() -> None:
    (pair,) = correlations({"A": _candles(PRICES), "USDC": _candles([1] * 6)})

    assert pair.coefficient is None
    assert pair.reason == "one of the two prices never moved"


# Risk score


def test_risk_score_adds_each_factor_with_its_number() -> None:
    # Given one holding that halves and doubles: HHI 1, volatility far above 100 %, drawdown 50 %
    analysis = analyse_portfolio(_usd(ETH=100), {"ETH": _candles([100, 200, 100, 200])}, set(), DAY)

    # Then the score is 40 (HHI 1) + 35 (volatility capped) + 12.5 (0.5 x 25), rounded half up
    assert [(r.factor, r.points) for r in analysis.risk.reasons] == [
        ("concentration", Decimal("40.0")),
        ("volatility", Decimal("35.0")),
        ("drawdown", Decimal("12.5")),
    ]
    assert analysis.risk.score == 88
    assert analysis.risk.reasons[2].value == Decimal("0.5000")


def test_risk_score_of_a_diversified_calm_portfolio() -> None:
    # Given two equal holdings with constant prices: HHI 0.5 -> 20 points, nothing else
    history = {"A": _candles([10] * 4), "B": _candles([20] * 4)}

    analysis = analyse_portfolio(_usd(A=50, B=50), history, set(), DAY)

    assert analysis.risk.score == 20
    assert analysis.risk.reasons[0].text == "HHI 0.5000 adds 20.0 of 40 points"


def test_unknown_factors_add_no_points_and_say_so() -> None:
    analysis = analyse_portfolio(_usd(ETH=100), {}, set(), DAY)

    assert analysis.risk.score == 40
    unknown = "annualised volatility unknown (short or missing history), so 0 points added"
    assert analysis.risk.reasons[1].text == unknown


def test_risk_reason_texts_quote_only_their_figures() -> None:
    history = {"ETH": _candles([100, 120, 90, 110, 100]), "BTC": _candles([50, 40, 60, 30, 50])}

    analysis = analyse_portfolio(_usd(ETH=200, BTC=100), history, set(), DAY)

    for reason in analysis.risk.reasons:
        allowed = {reason.value, reason.points, reason.max_points}
        shown = {Decimal(n) for n in re.findall(r"\d+(?:\.\d+)?", reason.text)}
        assert shown <= allowed, reason.text
