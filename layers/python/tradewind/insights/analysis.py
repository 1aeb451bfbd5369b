"""Concentration, volatility, drawdown, correlation and a risk score for a set of holdings.

Pure functions, no I/O. The portfolio's history is the value today's holdings would have had at
each past close (each holding's current units times its close), taken only at the candle starts
every holding with a price history shares: a start one holding lacks would need an invented price.
Its returns are therefore the holdings' returns weighted by their value at the previous close.
A stablecoin without history is held at its current USD value (its peg); any other holding
without history leaves the volatility and drawdown ``None``, since leaving it out would understate
them.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from tradewind.errors import InvalidInput
from tradewind.insights.models import (
    Correlation,
    LargestPosition,
    PortfolioAnalysis,
    RiskReason,
    RiskScore,
)
from tradewind.market.analysis import max_drawdown, realised_volatility
from tradewind.market.models import Candle, Drawdown, PricePoint

# Crypto trades around the clock, as in ``tradewind.market.analysis``.
_YEAR = timedelta(days=365)
# Four common closes give three returns: the fewest for a correlation that is more than a line fit.
DEFAULT_MIN_CORRELATION_POINTS = 4

# Risk score: each factor's points at its worst (they sum to 100) and where "worst" starts.
# HHI is already 0..1 and drawdown a fraction; volatility saturates at 100 % a year, about
# what a single volatile altcoin shows, so a portfolio there gets the factor's full points.
CONCENTRATION_POINTS = Decimal(40)
VOLATILITY_POINTS = Decimal(35)
VOLATILITY_CEILING = Decimal(1)
DRAWDOWN_POINTS = Decimal(25)
_POINTS_PLACES = Decimal("0.1")
_FIGURE_PLACES = Decimal("0.0001")


def analyse_portfolio(
    holdings: Mapping[str, Decimal],
    price_history: Mapping[str, Sequence[Candle]],
    stablecoins: set[str],
    interval: timedelta,
    *,
    min_correlation_points: int = DEFAULT_MIN_CORRELATION_POINTS,
) -> PortfolioAnalysis:
    """Every figure for ``holdings`` (USD by symbol), each ``None`` with a reason when data is short.

    ``price_history`` holds each symbol's candles of ``interval``; symbols not held are ignored.
    """
    if interval <= timedelta(0):
        raise InvalidInput("interval must be positive", field="interval")
    if any(usd < 0 for usd in holdings.values()):
        raise InvalidInput("a holding's USD value cannot be negative", field="holdings")
    held = {symbol: usd for symbol, usd in holdings.items() if usd > 0}
    total = sum(held.values(), Decimal(0))
    if total == 0:
        raise InvalidInput("there is nothing held to analyse", field="holdings")

    weights = {symbol: usd / total for symbol, usd in sorted(held.items())}
    hhi = sum((w * w for w in weights.values()), Decimal(0))
    largest_symbol = min(weights, key=lambda s: (-weights[s], s))
    unavailable: dict[str, str] = {}

    series = _value_series(held, price_history, stablecoins, unavailable)
    volatility: float | None = None
    drawdown: Drawdown | None = None
    if series is not None:
        if len(series) >= 3:
            volatility = realised_volatility(series, _YEAR / interval)
        else:
            unavailable["volatility_annualised"] = (
                f"needs at least 3 common closes of every priced holding, got {len(series)}"
            )
        if len(series) >= 2:
            drawdown = max_drawdown(series)
        else:
            unavailable["max_drawdown"] = (
                f"needs at least 2 common closes of every priced holding, got {len(series)}"
            )

    return PortfolioAnalysis(
        interval=interval,
        total_usd=total,
        weights=weights,
        hhi=hhi,
        effective_holdings=1 / hhi,
        largest=LargestPosition(symbol=largest_symbol, weight=weights[largest_symbol]),
        stablecoins=tuple(s for s in weights if s in stablecoins),
        stablecoin_share=sum((w for s, w in weights.items() if s in stablecoins), Decimal(0)),
        series_points=0 if series is None else len(series),
        volatility_annualised=volatility,
        max_drawdown=drawdown,
        correlations=correlations(
            {s: price_history[s] for s in weights if s in price_history}, min_correlation_points
        ),
        risk=risk_score(hhi, volatility, drawdown),
        unavailable=unavailable,
    )


def _value_series(
    held: Mapping[str, Decimal],
    price_history: Mapping[str, Sequence[Candle]],
    stablecoins: set[str],
    unavailable: dict[str, str],
) -> list[PricePoint] | None:
    """The value of today's units at each common close, or ``None`` (reasons recorded) if unknowable."""
    unpriced = sorted(s for s in held if not price_history.get(s) and s not in stablecoins)
    if unpriced:
        reason = f"no price history for {', '.join(unpriced)}"
        unavailable["volatility_annualised"] = unavailable["max_drawdown"] = reason
        return None
    closes = {symbol: _closes(price_history[symbol]) for symbol in held if price_history.get(symbol)}
    if not closes:
        reason = "no holding has a price history"
        unavailable["volatility_annualised"] = unavailable["max_drawdown"] = reason
        return None
    common = sorted(set.intersection(*(set(by_start) for by_start in closes.values())))
    if not common:
        return []
    latest = common[-1]
    # Units held today, valued at the latest common close so that the series ends at today's mix.
    units = {symbol: held[symbol] / by_start[latest] for symbol, by_start in closes.items()}
    pegged = sum((usd for s, usd in held.items() if s not in closes), Decimal(0))
    return [
        PricePoint(at=at, usd=pegged + sum((units[s] * closes[s][at] for s in closes), Decimal(0)))
        for at in common
    ]


def _closes(history: Sequence[Candle]) -> dict[datetime, Decimal]:
    return {candle.start: candle.close for candle in sorted(history, key=lambda c: c.start)}


def correlations(
    price_history: Mapping[str, Sequence[Candle]], min_points: int = DEFAULT_MIN_CORRELATION_POINTS
) -> tuple[Correlation, ...]:
    """Every pair's correlation of log returns over the starts both share (``None`` when too few)."""
    closes = {symbol: _closes(history) for symbol, history in sorted(price_history.items())}
    result = []
    for a, b in itertools.combinations(closes, 2):
        common = sorted(set(closes[a]) & set(closes[b]))
        if len(common) < min_points:
            result.append(
                Correlation(
                    a=a,
                    b=b,
                    points=len(common),
                    coefficient=None,
                    reason=f"needs at least {min_points} common closes, got {len(common)}",
                )
            )
            continue
        coefficient = _pearson(_log_returns(closes[a], common), _log_returns(closes[b], common))
        reason = None if coefficient is not None else "one of the two prices never moved"
        result.append(Correlation(a=a, b=b, points=len(common), coefficient=coefficient, reason=reason))
    return tuple(result)


def _log_returns(by_start: Mapping[datetime, Decimal], starts: Sequence[datetime]) -> list[float]:
    return [math.log(by_start[later] / by_start[earlier]) for earlier, later in itertools.pairwise(starts)]


def _pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """The sample correlation, or ``None`` when either series is constant (it has no direction)."""
    mean_x, mean_y = math.fsum(xs) / len(xs), math.fsum(ys) / len(ys)
    dx = [x - mean_x for x in xs]
    dy = [y - mean_y for y in ys]
    spread = math.sqrt(math.fsum(d * d for d in dx) * math.fsum(d * d for d in dy))
    if spread == 0:
        return None
    # Clamp: rounding can leave a perfectly (anti)proportional pair a hair outside [-1, 1].
    return max(-1.0, min(1.0, math.fsum(a * b for a, b in zip(dx, dy, strict=True)) / spread))


def risk_score(hhi: Decimal, volatility: float | None, drawdown: Drawdown | None) -> RiskScore:
    """Points for concentration (HHI), volatility and drawdown; an unknown factor adds none and says so."""
    vol = Decimal(repr(volatility)).quantize(_FIGURE_PLACES) if volatility is not None else None
    reasons = (
        _reason("concentration", "HHI", hhi.quantize(_FIGURE_PLACES), Decimal(1), CONCENTRATION_POINTS),
        _reason("volatility", "annualised volatility", vol, VOLATILITY_CEILING, VOLATILITY_POINTS),
        _reason(
            "drawdown",
            "max drawdown",
            drawdown.fraction.quantize(_FIGURE_PLACES) if drawdown else None,
            Decimal(1),
            DRAWDOWN_POINTS,
        ),
    )
    total = sum((reason.points for reason in reasons), Decimal(0))
    return RiskScore(score=int(total.to_integral_value(rounding=ROUND_HALF_UP)), reasons=reasons)


def _reason(
    factor: str, label: str, value: Decimal | None, full_at: Decimal, max_points: Decimal
) -> RiskReason:
    """``max_points`` scaled by ``value / full_at`` (at most 1); an unknown value adds none, saying so."""
    if value is None:
        return RiskReason(
            factor=factor,
            value=Decimal(0),
            points=Decimal(0),
            max_points=max_points,
            text=f"{label} unknown (short or missing history), so 0 points added",
        )
    points = (min(value / full_at, Decimal(1)) * max_points).quantize(_POINTS_PLACES)
    return RiskReason(
        factor=factor,
        value=value,
        points=points,
        max_points=max_points,
        text=f"{label} {value} adds {points} of {max_points} points",
    )
