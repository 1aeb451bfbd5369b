"""Pure valuation: holdings to positions, positions to USD, USD totals to an allocation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from typing import Literal, get_args

from tradewind.holdings.models import ChainHoldings, LiquidityPosition, OwnerHoldings
from tradewind.portfolio.models import Position, PositionKind, TokenValue
from tradewind.prices.models import Price

CENT = Decimal("0.01")
HUNDRED = Decimal(100)

# kind, symbol held, amount held, symbol valued as, amount valued
_Entry = tuple[PositionKind, str, str, str, str]


@dataclass(frozen=True)
class Holder:
    """Who an owner address is to the user: one of their watched wallets or one of their vaults."""

    kind: Literal["wallet", "vault"]
    id: str


def usd(amount: Decimal) -> Decimal:
    """A USD amount in cents, rounded half to even."""
    return amount.quantize(CENT, rounding=ROUND_HALF_EVEN)


def positions_of(chain: ChainHoldings, holders: Mapping[str, Holder]) -> list[Position]:
    """Every non-zero balance in the chain's holdings, not yet valued (``usd`` None).

    An ERC-4626 position is valued as the underlying its shares can be withdrawn for now, a
    liquidity position as the two tokens closing it now returns (fees included), one row each.
    """
    positions: list[Position] = []
    for owner in chain.holdings:
        entries: list[_Entry] = []
        if owner.native is not None and owner.native.raw:
            entries.append(
                ("native", owner.native.symbol, owner.native.amount, owner.native.symbol, owner.native.amount)
            )
        entries += [("token", t.symbol, t.amount, t.symbol, t.amount) for t in owner.tokens if t.raw]
        entries += [
            ("yield_vault", v.vault, v.shares, v.underlying, v.underlying_amount)
            for v in owner.vaults
            if v.shares_raw or v.underlying_raw
        ]
        positions += [_position(chain.chain, owner, holders[owner.owner], entry) for entry in entries]
        for liquidity in owner.liquidity:
            positions += _liquidity_rows(chain.chain, owner, holders[owner.owner], liquidity)
    return positions


def _position(chain: str, owner: OwnerHoldings, holder: Holder, entry: _Entry) -> Position:
    kind, symbol, amount, valued_as, value = entry
    return Position(
        chain=chain,
        holder=owner.owner,
        holder_kind=holder.kind,
        holder_id=holder.id,
        kind=kind,
        symbol=symbol,
        amount=Decimal(amount),
        valued_as=valued_as,
        value_amount=Decimal(value),
        usd=None,
    )


def _liquidity_rows(
    chain: str, owner: OwnerHoldings, holder: Holder, liquidity: LiquidityPosition
) -> list[Position]:
    """A row per token of the position that returns any of it."""
    rows = []
    for token in (liquidity.token0, liquidity.token1):
        if not (token.amount_raw or token.fees_raw):
            continue
        held = Decimal(token.amount) + Decimal(token.fees)
        rows.append(
            Position(
                chain=chain,
                holder=owner.owner,
                holder_kind=holder.kind,
                holder_id=holder.id,
                kind="liquidity",
                symbol=token.symbol,
                amount=held,
                valued_as=token.symbol,
                value_amount=held,
                usd=None,
                position_id=liquidity.position_id,
                fees=Decimal(token.fees),
            )
        )
    return rows


def valued(position: Position, prices: Mapping[str, Price]) -> Position:
    """The position with its USD value (and its fees'); unchanged (``usd`` None) if its asset has no price."""
    price = prices.get(position.valued_as)
    if price is None:
        return position
    fees_usd = None if position.fees is None else usd(position.fees * price.usd)
    return position.model_copy(update={"usd": usd(position.value_amount * price.usd), "fees_usd": fees_usd})


def by_kind(positions: Sequence[Position]) -> dict[PositionKind, Decimal]:
    """USD summed per kind of position, every kind present (zero when the user holds none of it)."""
    totals: dict[PositionKind, Decimal] = dict.fromkeys(get_args(PositionKind), Decimal(0))
    for position in positions:
        if position.usd is not None:
            totals[position.kind] += position.usd
    return totals


def by_token(positions: Sequence[Position], prices: Mapping[str, Price]) -> dict[str, TokenValue]:
    """Amounts and USD summed per priced-as symbol, largest value first (unpriced last, by name)."""
    amounts: dict[str, Decimal] = {}
    values: dict[str, Decimal] = {}
    for position in positions:
        amounts[position.valued_as] = amounts.get(position.valued_as, Decimal(0)) + position.value_amount
        if position.usd is not None:
            values[position.valued_as] = values.get(position.valued_as, Decimal(0)) + position.usd
    order = sorted(amounts, key=lambda symbol: (-values.get(symbol, Decimal(-1)), symbol))
    return {
        symbol: TokenValue(
            amount=amounts[symbol],
            usd=values.get(symbol),
            price_usd=prices[symbol].usd if symbol in prices else None,
            price_flagged=prices[symbol].flagged if symbol in prices else False,
            price_observed_at=prices[symbol].observed_at if symbol in prices else None,
        )
        for symbol in order
    }


def allocation(values: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Each key's percent of the total in hundredths, summing to exactly 100 when the total is positive.

    Largest remainder: every share is rounded down, and the hundredths left over go to the shares
    that lost the most in rounding, so no percent is off by more than 0.01.
    """
    total = sum(values.values(), Decimal(0))
    if total <= 0:
        return {}
    exact = {key: value * HUNDRED / total for key, value in values.items()}
    floored = {key: share.quantize(CENT, rounding=ROUND_FLOOR) for key, share in exact.items()}
    left = int((HUNDRED - sum(floored.values(), Decimal(0))) / CENT)
    for key in sorted(exact, key=lambda k: (floored[k] - exact[k], k))[:left]:
        floored[key] += CENT
    return floored
