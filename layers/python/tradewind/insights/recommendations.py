"""Recommendations from a portfolio analysis: rebalance, reduce concentration, put idle stablecoins to yield.

Each recommendation's text is written from its ``figures`` only (money to the cent, percentages to
two places, token amounts to six), so the assistant can quote any number in it and find it there.
Swaps carry a ``TradeProposal`` the trade flow can take as is; amounts sold are in token units at
the holding's own price.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_DOWN, ROUND_UP, Decimal

from tradewind.errors import InvalidInput
from tradewind.insights.models import PortfolioAnalysis, Recommendation, TradeProposal, YieldOption
from tradewind.portfolio.models import TokenValue

# Percentage points a holding may drift from its target before a rebalance is worth its gas.
DEFAULT_DRIFT_THRESHOLD_PCT = Decimal(5)
# A swap worth less than this costs more in gas and fees than the drift it corrects: pairing sellers
# with buyers leaves such crumbs when prices are a hair off their pegs.
DEFAULT_MIN_TRADE_USD = Decimal(10)
# Above this share of the total, one holding's own risk dominates the portfolio's.
DEFAULT_CONCENTRATION_LIMIT_PCT = Decimal(40)
_HUNDRED = Decimal(100)
_DAYS_PER_YEAR = Decimal(365)
_CENTS = Decimal("0.01")
_PCT = Decimal("0.01")
# Six places suit every token we list (USDC has six decimals; finer WETH or WBTC dust is not worth
# quoting) while staying exact.
_UNITS = Decimal("0.000001")


def _significant(price: Decimal) -> Decimal:
    """A price to six significant figures, as a reader quotes one (0.999903, 59997.0), not 28 digits."""
    return price.quantize(Decimal(1).scaleb(price.adjusted() - 5)) if price else price


def _show(value: Decimal) -> str:
    """Plain notation: what the text shows, so that it parses back to the figure it came from."""
    return f"{value:f}"


def recommend(
    analysis: PortfolioAnalysis,
    holdings: Mapping[str, TokenValue],
    target_allocation: Mapping[str, Decimal] | None,
    yields: Sequence[YieldOption],
    horizon_days: int,
    *,
    drift_threshold_pct: Decimal = DEFAULT_DRIFT_THRESHOLD_PCT,
    concentration_limit_pct: Decimal = DEFAULT_CONCENTRATION_LIMIT_PCT,
    min_trade_usd: Decimal = DEFAULT_MIN_TRADE_USD,
) -> list[Recommendation]:
    """Rebalancing trades, then a concentration cut, then yield deposits; each only when warranted.

    ``holdings`` are the portfolio's ``by_token`` (unpriced symbols are skipped); ``analysis`` must
    have been computed on the same holdings' USD values.
    """
    if horizon_days < 1:
        raise InvalidInput("the horizon must be at least one day", field="horizon_days")
    priced = {
        s: v for s, v in holdings.items() if v.usd is not None and v.price_usd is not None and v.usd > 0
    }
    usd = {s: v.usd for s, v in priced.items() if v.usd is not None}
    legs = {} if target_allocation is None else rebalance_legs(usd, target_allocation, drift_threshold_pct)
    result = _rebalance(
        usd, priced, target_allocation or {}, legs, threshold=drift_threshold_pct, min_trade_usd=min_trade_usd
    )
    # The rest is judged on the holdings as the rebalance leaves them, so that no two
    # recommendations sell (or deposit) the same dollars.
    after = {s: usd.get(s, Decimal(0)) + legs.get(s, Decimal(0)) for s in sorted(set(usd) | set(legs))}
    concentration = _reduce_concentration(
        after, priced, analysis.stablecoins, concentration_limit_pct, rebalanced=bool(legs)
    )
    if concentration is not None:
        result.append(concentration)
    for symbol in analysis.stablecoins:
        deposit = _idle_to_yield(symbol, after.get(symbol, Decimal(0)), yields, horizon_days)
        if deposit is not None:
            result.append(deposit)
    return result


def rebalance_legs(
    holdings_usd: Mapping[str, Decimal],
    target_allocation: Mapping[str, Decimal],
    drift_threshold_pct: Decimal = DEFAULT_DRIFT_THRESHOLD_PCT,
) -> dict[str, Decimal]:
    """USD to buy (positive) or sell (negative) of each symbol to reach the target exactly.

    Empty unless some holding drifts more than ``drift_threshold_pct`` points from its target.
    Once rebalancing, every symbol goes to its target, so the sells fund the buys exactly (the
    legs sum to zero); a symbol missing from the target has a target of 0 %.
    """
    if any(pct < 0 for pct in target_allocation.values()):
        raise InvalidInput("a target percentage cannot be negative", field="target_allocation")
    if sum(target_allocation.values(), Decimal(0)) != _HUNDRED:
        raise InvalidInput("the target allocation must sum to 100", field="target_allocation")
    total = sum(holdings_usd.values(), Decimal(0))
    if total <= 0:
        return {}
    symbols = sorted(set(holdings_usd) | set(target_allocation))
    current = {s: holdings_usd.get(s, Decimal(0)) for s in symbols}
    target_usd = {s: target_allocation.get(s, Decimal(0)) * total / _HUNDRED for s in symbols}
    if all(abs(current[s] - target_usd[s]) * _HUNDRED / total <= drift_threshold_pct for s in symbols):
        return {}
    return {s: target_usd[s] - current[s] for s in symbols if target_usd[s] != current[s]}


def _rebalance(
    usd: Mapping[str, Decimal],
    priced: Mapping[str, TokenValue],
    target_allocation: Mapping[str, Decimal],
    legs: Mapping[str, Decimal],
    *,
    threshold: Decimal,
    min_trade_usd: Decimal,
) -> list[Recommendation]:
    """One swap per (seller, buyer) pair, largest legs first, until every leg is covered (crumbs under
    ``min_trade_usd`` are left)."""
    if not legs:
        return []
    total = sum(usd.values(), Decimal(0))

    def pct(symbol: str) -> Decimal:
        return (usd.get(symbol, Decimal(0)) * _HUNDRED / total).quantize(_PCT)

    def target(symbol: str) -> Decimal:
        return target_allocation.get(symbol, Decimal(0)).quantize(_PCT)

    sells = sorted(((s, -leg) for s, leg in legs.items() if leg < 0), key=lambda x: (-x[1], x[0]))
    buys = sorted(((s, leg) for s, leg in legs.items() if leg > 0), key=lambda x: (-x[1], x[0]))
    result = []
    while sells and buys:
        (seller, to_sell), (buyer, to_buy) = sells[0], buys[0]
        moved = min(to_sell, to_buy)
        sells[0], buys[0] = (seller, to_sell - moved), (buyer, to_buy - moved)
        sells = [leg for leg in sells if leg[1] > 0]
        buys = [leg for leg in buys if leg[1] > 0]
        price = priced[seller].price_usd
        if price is None or moved < min_trade_usd:
            continue
        # Rounded down: never sell more than the leg asks for (or than is held).
        amount = (moved / price).quantize(_UNITS, rounding=ROUND_DOWN)
        if amount == 0:
            continue
        figures = {
            "sell_current_pct": pct(seller),
            "sell_target_pct": target(seller),
            "buy_current_pct": pct(buyer),
            "buy_target_pct": target(buyer),
            "usd": moved.quantize(_CENTS),
            "amount": amount,
            "sell_price_usd": _significant(price),
            "drift_threshold_pct": threshold,
        }
        rationale = (
            f"{seller} is {_show(figures['sell_current_pct'])}% of the portfolio against a target of "
            f"{_show(figures['sell_target_pct'])}%, and {buyer} is {_show(figures['buy_current_pct'])}% "
            f"against {_show(figures['buy_target_pct'])}%. Selling {_show(amount)} {seller} "
            f"(${_show(figures['usd'])} at ${_show(figures['sell_price_usd'])}) for {buyer} moves both "
            "toward target; a holding "
            f"drifted more than {_show(threshold)} points from its target."
        )
        result.append(
            Recommendation(
                kind="rebalance",
                title=f"Rebalance: sell {seller} for {buyer}",
                rationale=rationale,
                figures=figures,
                proposal=TradeProposal(sell_token=seller, buy_token=buyer, amount=amount),
            )
        )
    return result


def _reduce_concentration(
    usd: Mapping[str, Decimal],
    priced: Mapping[str, TokenValue],
    stablecoins: Sequence[str],
    limit_pct: Decimal,
    *,
    rebalanced: bool,
) -> Recommendation | None:
    """Sell the largest holding down to ``limit_pct`` of the total, into the largest other stablecoin."""
    total = sum(usd.values(), Decimal(0))
    if total <= 0:
        return None
    symbol = min(usd, key=lambda s: (-usd[s], s))
    weight_pct = usd[symbol] * _HUNDRED / total
    holding = priced.get(symbol)
    if weight_pct <= limit_pct or holding is None or holding.price_usd is None:
        return None
    excess = usd[symbol] - limit_pct * total / _HUNDRED
    # Rounded up so that the holding ends at or under the limit, capped at what there is to sell.
    amount = min(
        (excess / holding.price_usd).quantize(_UNITS, rounding=ROUND_UP),
        (usd[symbol] / holding.price_usd).quantize(_UNITS, rounding=ROUND_DOWN),
    )
    figures = {
        "weight_pct": weight_pct.quantize(_PCT),
        "limit_pct": limit_pct,
        "usd": excess.quantize(_CENTS),
        "amount": amount,
        "price_usd": _significant(holding.price_usd),
    }
    havens = sorted((s for s in stablecoins if s != symbol), key=lambda s: (-usd.get(s, Decimal(0)), s))
    into = f" into {havens[0]}" if havens else ""
    rationale = (
        f"{'After the rebalance, ' if rebalanced else ''}{symbol} is {_show(figures['weight_pct'])}% "
        f"of the portfolio, above the {_show(limit_pct)}% limit. Selling {_show(amount)} {symbol} "
        f"(${_show(figures['usd'])} at ${_show(figures['price_usd'])}){into} brings it to "
        f"{_show(limit_pct)}%."
    )
    if not havens:
        rationale += " No other stablecoin is held to receive it, so choose what to buy."
    return Recommendation(
        kind="reduce_concentration",
        title=f"Reduce {symbol} below {_show(limit_pct)}%",
        rationale=rationale,
        figures=figures,
        proposal=TradeProposal(sell_token=symbol, buy_token=havens[0], amount=amount) if havens else None,
    )


def _idle_to_yield(
    symbol: str, usd: Decimal, yields: Sequence[YieldOption], horizon_days: int
) -> Recommendation | None:
    """Deposit an idle stablecoin into its best-paying vault when the horizon's gain beats the gas."""
    options = [option for option in yields if option.asset == symbol]
    if usd <= 0 or not options:
        return None
    best = min(options, key=lambda o: (-o.apy, o.gas_usd, o.vault, o.chain))
    gain = usd * best.apy * horizon_days / _DAYS_PER_YEAR
    if gain <= best.gas_usd:
        return None
    figures = {
        "amount_usd": usd.quantize(_CENTS),
        "apy_pct": (best.apy * _HUNDRED).quantize(_PCT),
        "horizon_days": Decimal(horizon_days),
        "expected_gain_usd": gain.quantize(_CENTS),
        "gas_usd": best.gas_usd.quantize(_CENTS),
        "net_gain_usd": (gain - best.gas_usd).quantize(_CENTS),
    }
    rationale = (
        f"${_show(figures['amount_usd'])} of {symbol} is idle. {best.vault} pays "
        f"{_show(figures['apy_pct'])}% a year: over {horizon_days} days that is about "
        f"${_show(figures['expected_gain_usd'])} against ${_show(figures['gas_usd'])} of gas, "
        f"${_show(figures['net_gain_usd'])} net."
    )
    return Recommendation(
        kind="idle_stablecoin_yield",
        title=f"Earn yield on idle {symbol}",
        rationale=rationale,
        figures=figures,
        deposit=best,
    )
