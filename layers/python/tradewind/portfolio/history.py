"""Portfolio value over time and its performance, from per-holder value snapshots (pure, no I/O).

Each refresh of a holder (a watched wallet or a vault on one chain) records what it held and what
that was worth (``HolderValue``). The portfolio at an instant is every holder's latest value at
or before it. Decisions:
- History covers the holders the user has now: a wallet no longer watched leaves the history too.
- A holder with no value yet at an instant counts as nothing then: its first value is a flow in.
- Performance splits each token's change between two consecutive states into market movement,
  ``amount before x (price after - price before)``, and flows, the rest: the change in amount,
  valued at the later price. Per token, trades between tokens show as flows out of one and into
  another; in the total, those cancel, and the flows left are deposits and withdrawals (and what
  trading cost).
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from tradewind.market.periods import Period
from tradewind.portfolio.models import Portfolio
from tradewind.portfolio.valuation import Holder, usd

HolderKey = tuple[str, str]  # (chain, address)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AssetValue(_Frozen):
    """One asset a holder held at one refresh (by the symbol it is priced as)."""

    amount: Decimal
    usd: Decimal | None
    price_usd: Decimal | None


class HolderValue(_Frozen):
    """What one holder held on one chain at one refresh, and its worth."""

    chain: str
    address: str
    holder_kind: Literal["wallet", "vault"]
    holder_id: str
    at: datetime
    total_usd: Decimal
    assets: dict[str, AssetValue]

    @property
    def key(self) -> HolderKey:
        """The holder this value belongs to."""
        return (self.chain, self.address)


class HistoryPoint(_Frozen):
    """The portfolio's value at ``at`` (the end of one interval, or now for the current one)."""

    at: datetime
    total_usd: Decimal


class PortfolioHistory(_Frozen):
    """Value over a period, one point per interval from the first interval with any value."""

    period: Period
    interval: timedelta
    start: datetime
    end: datetime
    points: list[HistoryPoint]


class TokenPerformance(_Frozen):
    """One token's change over the period: ``change_usd == market_usd + flows_usd``."""

    start_amount: Decimal
    end_amount: Decimal
    start_usd: Decimal
    end_usd: Decimal
    change_usd: Decimal
    market_usd: Decimal
    flows_usd: Decimal


class Performance(_Frozen):
    """The change in value over the period, split into market movement and flows, in total and per token.

    ``change_pct`` and ``market_pct`` are percent of ``start_usd``; None when the period starts
    from nothing. ``start`` is when the first value in the period was known (None: no values).
    """

    period: Period
    start: datetime | None
    end: datetime
    start_usd: Decimal
    end_usd: Decimal
    change_usd: Decimal
    change_pct: Decimal | None
    market_usd: Decimal
    market_pct: Decimal | None
    flows_usd: Decimal
    by_token: dict[str, TokenPerformance]


def holder_values(
    portfolio: Portfolio, holders: Mapping[HolderKey, Holder], chains: Collection[str]
) -> list[HolderValue]:
    """The value of each holder on ``chains`` (those read just now), an empty one at zero.

    An empty holder is recorded too: otherwise its last non-zero value would carry on in history.
    """
    held: dict[HolderKey, dict[str, AssetValue]] = {key: {} for key in holders if key[0] in chains}
    for position in portfolio.positions:
        assets = held.get((position.chain, position.holder))
        if assets is None:
            continue
        before = assets.get(position.valued_as)
        token = portfolio.by_token.get(position.valued_as)
        assets[position.valued_as] = AssetValue(
            amount=position.value_amount + (before.amount if before else 0),
            usd=_add(before.usd if before else None, position.usd),
            price_usd=token.price_usd if token else None,
        )
    return [
        HolderValue(
            chain=chain,
            address=address,
            holder_kind=holders[(chain, address)].kind,
            holder_id=holders[(chain, address)].id,
            at=portfolio.as_of,
            total_usd=sum((a.usd for a in assets.values() if a.usd is not None), Decimal(0)),
            assets=assets,
        )
        for (chain, address), assets in held.items()
    ]


def _add(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    if a is None:
        return b
    return a if b is None else a + b


def history(
    values: Iterable[HolderValue], holders: Collection[HolderKey], period: Period, now: datetime
) -> PortfolioHistory:
    """One point per interval of the period (the last one at ``now``), from the first with a value."""
    start, end = period.window(now)
    ordered = _of_holders(values, holders)
    points: list[HistoryPoint] = []
    instants = [start + period.interval * k for k in range(1, (now - start) // period.interval + 1)]
    for at in [*(i for i in instants if i < now), now]:
        state = _state_at(ordered, at)
        if state or points:
            total = sum((value.total_usd for value in state.values()), Decimal(0))
            points.append(HistoryPoint(at=at, total_usd=total))
    return PortfolioHistory(period=period, interval=period.interval, start=start, end=end, points=points)


def performance(
    values: Iterable[HolderValue], holders: Collection[HolderKey], period: Period, now: datetime
) -> Performance:
    """The change from the period's start (or its first value) to now, chained over every refresh."""
    window_start = now - period.length
    ordered = _of_holders(values, holders)
    instants = sorted({window_start, *(v.at for v in ordered if window_start < v.at <= now)})
    states = [_assets_at(ordered, at) for at in instants]
    while len(states) > 1 and not states[0]:
        instants, states = instants[1:], states[1:]
    per_token: dict[str, TokenPerformance] = {}
    for symbol in sorted({s for state in states for s in state}):
        per_token[symbol] = _token_performance([state.get(symbol) for state in states])
    start_usd = sum((t.start_usd for t in per_token.values()), Decimal(0))
    end_usd = sum((t.end_usd for t in per_token.values()), Decimal(0))
    market_usd = sum((t.market_usd for t in per_token.values()), Decimal(0))
    return Performance(
        period=period,
        start=instants[0] if states and states[0] else None,
        end=now,
        start_usd=start_usd,
        end_usd=end_usd,
        change_usd=end_usd - start_usd,
        change_pct=_pct(end_usd - start_usd, start_usd),
        market_usd=market_usd,
        market_pct=_pct(market_usd, start_usd),
        flows_usd=sum((t.flows_usd for t in per_token.values()), Decimal(0)),
        by_token=dict(sorted(per_token.items(), key=lambda item: (-item[1].end_usd, item[0]))),
    )


_Holding = tuple[Decimal, Decimal | None]  # amount, price


def _token_performance(states: Sequence[_Holding | None]) -> TokenPerformance:
    market = flows = Decimal(0)
    for before, after in itertools.pairwise(states):
        amount0, price0 = before or (Decimal(0), None)
        amount1, price1 = after or (Decimal(0), price0)
        value0 = amount0 * price0 if price0 is not None else Decimal(0)
        value1 = amount1 * price1 if price1 is not None else Decimal(0)
        moved = amount0 * (price1 - price0) if price0 is not None and price1 is not None else Decimal(0)
        market += moved
        flows += value1 - value0 - moved
    first = states[0] or (Decimal(0), None)
    last = states[-1] or (Decimal(0), None)
    start_usd = usd(first[0] * first[1]) if first[1] is not None else Decimal(0)
    end_usd = usd(last[0] * last[1]) if last[1] is not None else Decimal(0)
    market_usd = usd(market)
    return TokenPerformance(
        start_amount=first[0],
        end_amount=last[0],
        start_usd=start_usd,
        end_usd=end_usd,
        change_usd=end_usd - start_usd,
        market_usd=market_usd,
        # The rest, so that market and flows add up to the change to the cent.
        flows_usd=end_usd - start_usd - market_usd,
    )


def _pct(part: Decimal, whole: Decimal) -> Decimal | None:
    return usd(part * 100 / whole) if whole > 0 else None


def _of_holders(values: Iterable[HolderValue], holders: Collection[HolderKey]) -> list[HolderValue]:
    return sorted((v for v in values if v.key in holders), key=lambda v: v.at)


def _state_at(ordered: Sequence[HolderValue], at: datetime) -> dict[HolderKey, HolderValue]:
    """Each holder's latest value at or before ``at`` (``ordered`` is oldest first)."""
    state: dict[HolderKey, HolderValue] = {}
    for value in ordered:
        if value.at > at:
            break
        state[value.key] = value
    return state


def _assets_at(ordered: Sequence[HolderValue], at: datetime) -> dict[str, _Holding]:
    """Amount per token summed over holders at ``at``, with the latest price any of them was valued at."""
    amounts: dict[str, Decimal] = {}
    prices: dict[str, tuple[datetime, Decimal]] = {}
    for value in _state_at(ordered, at).values():
        for symbol, asset in value.assets.items():
            amounts[symbol] = amounts.get(symbol, Decimal(0)) + asset.amount
            if asset.price_usd is not None and (symbol not in prices or prices[symbol][0] < value.at):
                prices[symbol] = (value.at, asset.price_usd)
    return {
        symbol: (amount, prices[symbol][1] if symbol in prices else None)
        for symbol, amount in amounts.items()
    }
