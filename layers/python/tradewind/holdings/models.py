"""What a holdings read returns: per chain, per owner address, balances in token units and base units."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

# fresh: read from the chain now; stale: the chain did not answer, this is the last snapshot;
# unavailable: the chain did not answer and there is no snapshot of any requested owner.
HoldingsStatus = Literal["fresh", "stale", "unavailable"]


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


class OwnerHoldings(_Frozen):
    """Everything one address holds on one chain; ``unreadable`` names the entries whose call failed."""

    owner: str
    native: TokenBalance | None
    tokens: tuple[TokenBalance, ...]
    vaults: tuple[VaultPosition, ...]
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
