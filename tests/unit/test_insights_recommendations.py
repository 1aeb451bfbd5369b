"""Recommendations against hand-computed amounts, and every number in their text found in their figures."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tradewind.errors import InvalidInput
from tradewind.insights import (
    PortfolioAnalysis,
    Recommendation,
    TradeProposal,
    YieldOption,
    analyse_portfolio,
    rebalance_legs,
    recommend,
)
from tradewind.portfolio.models import TokenValue
from tradewind.trading.models import TradeSide

DAY = timedelta(days=1)
STABLECOINS = {"USDC", "DAI"}
PRICES = {"ETH": Decimal(3000), "BTC": Decimal(50000), "USDC": Decimal(1), "DAI": Decimal(1)}


def _holdings(**usd: int | str) -> dict[str, TokenValue]:
    return {
        symbol: TokenValue(
            amount=Decimal(str(value)) / PRICES[symbol],
            usd=Decimal(str(value)),
            price_usd=PRICES[symbol],
            price_flagged=False,
            price_observed_at=datetime(2024, 1, 1, tzinfo=UTC),
        )
        for symbol, value in usd.items()
    }


def _analysis(holdings: dict[str, TokenValue]) -> PortfolioAnalysis:
    usd = {symbol: value.usd for symbol, value in holdings.items() if value.usd is not None}
    return analyse_portfolio(usd, {}, STABLECOINS, DAY)


def _pct(values: dict[str, Decimal]) -> dict[str, Decimal]:
    total = sum(values.values(), Decimal(0))
    return {symbol: usd * 100 / total for symbol, usd in values.items()}


def _of_kind(recommendations: list[Recommendation], kind: str) -> list[Recommendation]:
    return [r for r in recommendations if r.kind == kind]


# Rebalancing


def test_rebalance_legs_sum_to_zero_and_reach_the_target() -> None:
    # Given 6000 ETH, 1000 BTC, 3000 USDC (USD) against a 50 / 25 / 25 target
    usd = {"ETH": Decimal(6000), "BTC": Decimal(1000), "USDC": Decimal(3000)}
    target = {"ETH": Decimal(50), "BTC": Decimal(25), "USDC": Decimal(25)}

    legs = rebalance_legs(usd, target)

    # Then ETH sells 1000, USDC sells 500, BTC buys 1500: zero in total, and no drift remains
    assert legs == {"ETH": Decimal(-1000), "BTC": Decimal(1500), "USDC": Decimal(-500)}
    assert sum(legs.values()) == 0
    after = _pct({s: usd[s] + legs.get(s, Decimal(0)) for s in usd})
    assert all(abs(after[s] - target[s]) <= 5 for s in usd)


def test_rebalance_waits_until_a_drift_passes_the_threshold() -> None:
    # Given drifts of +3, -2 and -1 points (ETH 60 vs 57, BTC 10 vs 12, USDC 30 vs 31)
    usd = {"ETH": Decimal(6000), "BTC": Decimal(1000), "USDC": Decimal(3000)}

    assert rebalance_legs(usd, {"ETH": Decimal(57), "BTC": Decimal(12), "USDC": Decimal(31)}) == {}
    # And exactly 5 points is not beyond the threshold
    assert rebalance_legs(usd, {"ETH": Decimal(55), "BTC": Decimal(15), "USDC": Decimal(30)}) == {}


def test_a_symbol_outside_the_target_is_sold_and_a_new_one_bought() -> None:
    usd = {"ETH": Decimal(600), "DAI": Decimal(400)}

    legs = rebalance_legs(usd, {"ETH": Decimal(50), "BTC": Decimal(50)})

    assert legs == {"ETH": Decimal(-100), "DAI": Decimal(-400), "BTC": Decimal(500)}
    assert sum(legs.values()) == 0


@pytest.mark.parametrize("target", [{"ETH": Decimal(60)}, {"ETH": Decimal(110), "BTC": Decimal(-10)}])
def test_a_target_must_be_non_negative_and_sum_to_100(target: dict[str, Decimal]) -> None:
    with pytest.raises(InvalidInput):
        rebalance_legs({"ETH": Decimal(1)}, target)


def test_rebalance_trades_pair_sellers_with_buyers() -> None:
    holdings = _holdings(ETH=6000, BTC=1000, USDC=3000)
    target = {"ETH": Decimal(50), "BTC": Decimal(25), "USDC": Decimal(25)}

    trades = _of_kind(recommend(_analysis(holdings), holdings, target, [], 30), "rebalance")

    # Then ETH -> BTC for 1000 USD (1000 / 3000 = 0.333333 ETH, rounded down), USDC -> BTC for 500
    assert [t.proposal for t in trades] == [
        TradeProposal(sell_token="ETH", buy_token="BTC", amount=Decimal("0.333333")),
        TradeProposal(sell_token="USDC", buy_token="BTC", amount=Decimal("500.000000")),
    ]
    assert trades[0].proposal is not None
    assert trades[0].proposal.side is TradeSide.EXACT_IN
    assert trades[0].figures["usd"] == Decimal("1000.00")
    assert trades[0].figures["sell_current_pct"] == Decimal("60.00")
    assert trades[0].figures["buy_target_pct"] == Decimal("25.00")
    assert sum(t.figures["usd"] for t in trades) == 1500


# Concentration


def test_concentration_cut_to_the_limit_is_exact() -> None:
    # Given ETH is 6000 of 10000 USD (60 %), above the 40 % limit
    holdings = _holdings(ETH=6000, BTC=1000, USDC=3000)

    (cut,) = _of_kind(recommend(_analysis(holdings), holdings, None, [], 30), "reduce_concentration")

    # Then 6000 - 4000 = 2000 USD moves: 2000 / 3000 = 0.666667 ETH rounded up, into USDC
    assert cut.figures["usd"] == Decimal("2000.00")
    assert cut.figures["weight_pct"] == Decimal("60.00")
    assert cut.proposal == TradeProposal(sell_token="ETH", buy_token="USDC", amount=Decimal("0.666667"))
    remaining = Decimal(6000) - cut.proposal.amount * PRICES["ETH"]
    assert remaining * 100 / 10000 <= 40


def test_no_concentration_cut_at_the_limit() -> None:
    holdings = _holdings(ETH=4000, BTC=3000, USDC=3000)

    assert _of_kind(recommend(_analysis(holdings), holdings, None, [], 30), "reduce_concentration") == []


def test_concentration_without_a_stablecoin_has_no_proposal() -> None:
    holdings = _holdings(ETH=9000, BTC=1000)

    (cut,) = _of_kind(recommend(_analysis(holdings), holdings, None, [], 30), "reduce_concentration")

    assert cut.proposal is None
    assert cut.figures["usd"] == Decimal("5000.00")


def test_concentration_and_yield_are_judged_after_the_rebalance() -> None:
    # Given 60 % ETH, a target of 50 % ETH, 20 % BTC, 27.5 % USDC, 2.5 % DAI (10000 USD in all)
    holdings = _holdings(ETH=6000, BTC=1000, USDC=2500, DAI=500)
    target = {"ETH": Decimal(50), "BTC": Decimal(20), "USDC": Decimal("27.5"), "DAI": Decimal("2.5")}

    recommendations = recommend(_analysis(holdings), holdings, target, [VAULTS[1]], 365)

    # Then the rebalance sells 1000 USD of ETH and 250 of DAI, buys 1000 BTC and 250 USDC; the cut
    # takes ETH from 50 % to 40 % (1000 USD more), and 2750 USDC (not 2500) is put to 3 % yield
    assert [
        (r.proposal.sell_token, r.proposal.buy_token, r.figures["usd"]) for r in recommendations if r.proposal
    ] == [
        ("ETH", "BTC", Decimal("1000.00")),
        ("DAI", "USDC", Decimal("250.00")),
        ("ETH", "USDC", Decimal("1000.00")),
    ]
    (cut,) = _of_kind(recommendations, "reduce_concentration")
    assert cut.figures["weight_pct"] == Decimal("50.00")
    assert cut.rationale.startswith("After the rebalance, ETH is 50.00% of the portfolio")
    (deposit,) = _of_kind(recommendations, "idle_stablecoin_yield")
    assert deposit.figures["amount_usd"] == Decimal("2750.00")
    assert deposit.figures["expected_gain_usd"] == Decimal("82.50")


def test_a_rebalance_under_the_limit_needs_no_concentration_cut() -> None:
    holdings = _holdings(ETH=6000, BTC=1000, USDC=3000)
    target = {"ETH": Decimal(40), "BTC": Decimal(30), "USDC": Decimal(30)}

    kinds = [r.kind for r in recommend(_analysis(holdings), holdings, target, [], 30)]

    assert kinds == ["rebalance"]


# Idle stablecoins to yield

# 36500 USDC at 4 % for 30 days earns 36500 x 0.04 x 30 / 365 = 120 USD exactly.
VAULTS = [
    YieldOption(vault="twUSDC", asset="USDC", chain="base", apy=Decimal("0.04"), gas_usd=Decimal("119.99")),
    YieldOption(vault="lowUSDC", asset="USDC", chain="base", apy=Decimal("0.03"), gas_usd=Decimal(1)),
    YieldOption(vault="twDAI", asset="DAI", chain="base", apy=Decimal("0.50"), gas_usd=Decimal(1)),
]


def test_idle_stablecoin_goes_to_the_best_vault_when_gain_beats_gas() -> None:
    holdings = _holdings(USDC=36500, ETH=30000, BTC=30000)

    (deposit,) = _of_kind(recommend(_analysis(holdings), holdings, None, VAULTS, 30), "idle_stablecoin_yield")

    assert deposit.deposit == VAULTS[0]
    assert deposit.figures == {
        "amount_usd": Decimal("36500.00"),
        "apy_pct": Decimal("4.00"),
        "horizon_days": Decimal(30),
        "expected_gain_usd": Decimal("120.00"),
        "gas_usd": Decimal("119.99"),
        "net_gain_usd": Decimal("0.01"),
    }


def test_no_deposit_when_gain_only_equals_gas() -> None:
    holdings = _holdings(USDC=36500, ETH=30000, BTC=30000)
    at_cost = [VAULTS[0].model_copy(update={"gas_usd": Decimal(120)})]

    assert recommend(_analysis(holdings), holdings, None, at_cost, 30) == []


def test_horizon_must_be_positive() -> None:
    holdings = _holdings(USDC=100)
    with pytest.raises(InvalidInput):
        recommend(_analysis(holdings), holdings, None, VAULTS, 0)


# Grounding: the assistant quotes these texts, so each number must be a figure


def test_every_number_in_a_rationale_is_one_of_its_figures() -> None:
    # Given a portfolio that gets all three kinds of recommendation
    holdings = _holdings(ETH=6000, BTC=1000, USDC=2500, DAI=500)
    target = {"ETH": Decimal(50), "BTC": Decimal(20), "USDC": Decimal("27.5"), "DAI": Decimal("2.5")}
    vaults = [VAULTS[1], VAULTS[2]]

    recommendations = recommend(_analysis(holdings), holdings, target, vaults, 365)

    assert {r.kind for r in recommendations} == {"rebalance", "reduce_concentration", "idle_stablecoin_yield"}
    for recommendation in recommendations:
        figures = set(recommendation.figures.values())
        assert _numbers(recommendation.rationale), recommendation.rationale
        for text in (recommendation.title, recommendation.rationale):
            assert _numbers(text) <= figures, text


def _numbers(text: str) -> set[Decimal]:
    """The numbers a reader sees in ``text`` (digits inside a symbol such as ``1INCH`` excluded)."""
    return {Decimal(n) for n in re.findall(r"(?<![A-Za-z0-9.])\d+(?:\.\d+)?", text)}


# DAI a little under the others, as the local market's DAI sits under its peg.
USD_HELD = {
    "ETH": Decimal(25_000),
    "BTC": Decimal(25_000),
    "USDC": Decimal(25_000),
    "DAI": Decimal("24998.09"),
}


def test_a_rebalance_leaves_crumbs_under_the_minimum_trade_and_quotes_prices_to_six_figures() -> None:
    # Given a 40 / 30 / 20 / 10 target over four equal holdings whose prices sit a hair off round numbers,
    # so that pairing sellers with buyers leaves a few dollars over
    prices = {"ETH": Decimal("2999.87123456"), "BTC": Decimal("59997.0304398634"), "USDC": Decimal(1)}
    prices["DAI"] = Decimal("0.99990265356559411")
    holdings = {
        symbol: TokenValue(
            amount=Decimal(25_000) / price,
            usd=USD_HELD[symbol],
            price_usd=price,
            price_flagged=False,
        )
        for symbol, price in prices.items()
    }
    target = {"ETH": Decimal(40), "USDC": Decimal(30), "BTC": Decimal(20), "DAI": Decimal(10)}

    rebalances = _of_kind(recommend(_analysis(holdings), holdings, target, [], 30), "rebalance")
    everything = recommend(_analysis(holdings), holdings, target, [], 30, min_trade_usd=Decimal(0))

    # Then DAI funds ETH and BTC funds USDC, without the 0.96 USD of BTC for ETH that pairing leaves over
    assert [r.title for r in rebalances] == ["Rebalance: sell DAI for ETH", "Rebalance: sell BTC for USDC"]
    crumbs = [r.figures["usd"] for r in _of_kind(everything, "rebalance") if r.figures["usd"] < 10]
    assert crumbs == [Decimal("0.96")]
    # And each price is quoted to six significant figures, in the text as in the figures
    for r in rebalances:
        price = r.figures["sell_price_usd"]
        assert len(price.as_tuple().digits) <= 6
        assert f"at ${price:f})" in r.rationale
