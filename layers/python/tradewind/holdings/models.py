"""What a holdings read returns: per chain, per owner address, balances and positions in token units."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

# fresh: read from the chain now; stale: the chain did not answer, this is the last snapshot;
# unavailable: the chain did not answer and there is no snapshot of any requested owner.
HoldingsStatus = Literal["fresh", "stale", "unavailable"]

# The prefix of a Uniswap V3 position's id; alone in ``unreadable``, the owner's positions were not read.
UNISWAP_V3 = "uniswap-v3"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def to_units(raw: int, decimals: int) -> str:
    """Base units as a plain decimal string in token units: 50000000 with 6 decimals is "50"."""
    return format(Decimal(raw).scaleb(-decimals).normalize(), "f")


class TokenBalance(_Frozen):
    """One balance; ``address`` is None for the chain's native token."""

    symbol: str
    address: str | None
    decimals: int
    amount: str
    raw: int


class VaultPosition(_Frozen):
    """Shares of an ERC-4626 vault and the underlying asset they can be withdrawn for now."""

    vault: str
    address: str
    shares: str
    shares_raw: int
    underlying: str
    underlying_amount: str
    underlying_raw: int


class LiquidityToken(_Frozen):
    """One token of a liquidity position: what removing all its liquidity returns now, and the fees owed.

    ``symbol`` is the manifest's; a token the manifest does not list goes by its address, so that
    no token gets priced as another by choosing that one's symbol. ``fees`` is everything owed
    beyond what the liquidity is worth: for a position whose liquidity was removed but not yet
    collected, that includes the removed tokens (the position manager does not tell them apart).
    """

    symbol: str
    address: str
    decimals: int
    amount: str
    amount_raw: int
    fees: str
    fees_raw: int


class LiquidityPosition(_Frozen):
    """A Uniswap V3 position (a NonfungiblePositionManager NFT): its pool, range and what it holds now.

    The amounts and fees are the chain's own answer to closing the position now (see
    ``tradewind.holdings.liquidity``). ``tick`` is the pool's current tick and ``in_range`` whether
    the position earns fees there (tick_lower <= tick < tick_upper); both None when the pool's
    price could not be read.
    """

    token_id: int
    pool: str
    fee: int
    tick_lower: int
    tick_upper: int
    tick: int | None
    in_range: bool | None
    liquidity: int
    token0: LiquidityToken
    token1: LiquidityToken

    @property
    def position_id(self) -> str:
        """``uniswap-v3:<token id>``: how the position is named in ``unreadable`` and in the portfolio."""
        return f"{UNISWAP_V3}:{self.token_id}"


class OwnerHoldings(_Frozen):
    """Everything one address holds on one chain; ``unreadable`` names the entries whose call failed."""

    owner: str
    native: TokenBalance | None
    tokens: tuple[TokenBalance, ...]
    vaults: tuple[VaultPosition, ...]
    # Defaults to none: snapshots saved before liquidity positions were read have no such field.
    liquidity: tuple[LiquidityPosition, ...] = ()
    unreadable: tuple[str, ...] = ()


class ChainHoldings(_Frozen):
    """The holdings of the requested owners on one chain, with how fresh they are.

    ``owners`` are the requested addresses; ``holdings`` has one entry per owner that could be
    read (all of them when fresh); ``missing_owners`` are requested owners a stale snapshot lacks.
    When ``status`` is unavailable, ``holdings`` is empty and block, time and age are None.
    """

    chain: str
    owners: tuple[str, ...]
    holdings: tuple[OwnerHoldings, ...]
    status: HoldingsStatus
    block_number: int | None
    read_at: datetime | None
    age_s: float | None
    missing_owners: tuple[str, ...] = ()
    error: str | None = None

    @property
    def stale(self) -> bool:
        """True when the data comes from a snapshot rather than from the chain now."""
        return self.status == "stale"
