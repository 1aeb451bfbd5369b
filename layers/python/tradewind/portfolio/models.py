"""What GET /v1/portfolio returns: holdings valued in USD, by chain, by token and per position."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tradewind.holdings.models import HoldingsStatus

# native: the chain's coin; token: an ERC-20 balance; yield_vault: ERC-4626 shares; liquidity: one
# token of a Uniswap V3 position.
PositionKind = Literal["native", "token", "yield_vault", "liquidity"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Position(_Frozen):
    """One holder's balance of one asset on one chain.

    ``symbol`` is what is held (a token, the native coin or an ERC-4626 share); ``valued_as`` is
    what it is priced as (the vault's underlying for shares) and ``value_amount`` that amount.
    ``usd`` is None when nobody prices ``valued_as``.

    A liquidity position is one row per token, both named by ``position_id``: ``amount`` is what
    closing the position now returns of the token, the uncollected ``fees`` included.
    """

    chain: str
    holder: str = Field(description="the wallet or vault address")
    holder_kind: Literal["wallet", "vault"]
    holder_id: str
    kind: PositionKind
    symbol: str
    amount: Decimal
    valued_as: str
    value_amount: Decimal
    usd: Decimal | None
    position_id: str | None = Field(default=None, description="the liquidity position, e.g. uniswap-v3:42")
    fees: Decimal | None = Field(default=None, description="of the amount, the liquidity position's fees")
    fees_usd: Decimal | None = None


class ChainValue(_Frozen):
    """A chain's share of the total, and how fresh its holdings are (stale: served from a snapshot)."""

    usd: Decimal
    age_s: float | None
    stale: bool
    status: HoldingsStatus
    missing_owners: tuple[str, ...] = ()


class TokenValue(_Frozen):
    """One priced symbol summed over chains and holders; ``price_flagged`` when sources disagreed.

    ``price_observed_at`` dates the price (the age of this part; a chain's part has ``age_s``).
    """

    amount: Decimal
    usd: Decimal | None
    price_usd: Decimal | None
    price_flagged: bool
    price_observed_at: datetime | None = None


class Portfolio(_Frozen):
    """The user's portfolio; ``allocation`` (percent by symbol) sums to 100 when ``total_usd`` > 0.

    ``by_kind`` has every kind of position, each with the USD of its priced positions.
    """

    total_usd: Decimal
    by_chain: dict[str, ChainValue]
    by_token: dict[str, TokenValue]
    by_kind: dict[PositionKind, Decimal]
    positions: tuple[Position, ...]
    allocation: dict[str, Decimal]
    unpriced: tuple[str, ...]
    as_of: datetime

    def token_balance(self, holder_id: str, chain: str, symbol: str) -> Decimal:
        """What one holder holds of ERC-20 ``symbol`` on ``chain`` (0 when nothing)."""
        return sum(
            (
                p.amount
                for p in self.positions
                if p.holder_id == holder_id
                and p.chain == chain
                and p.kind == "token"
                and p.symbol.upper() == symbol.upper()
            ),
            Decimal(0),
        )
