"""What the trade flow's Analyze and Risk steps keep: JSON-able, so the state machine can pass them on."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from tradewind.risk.models import BaseUnits, ChecksumAddress, TradeCandidate, Usd
from tradewind.trading.quote_models import Quote
from tradewind.trading.vault_calls import Hex, VaultCall


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Analysis(_Frozen):
    """A trade analysed: its quote, the vault call that executes it, its gas and its USD value."""

    trade_id: str
    vault_id: str
    chain: str
    quote: Quote
    call: VaultCall
    sell_decimals: int = Field(ge=0, le=77)
    buy_decimals: int = Field(ge=0, le=77)
    usd_value: Usd = Field(description="what the most the vault may sell is worth, from the price service")
    gas_estimate: int = Field(gt=0, description="QuoterV2's estimate of the route plus the vault's overhead")
    analyzed_at: datetime


class OwnerApproval(_Frozen):
    """The owner's signature a trade above the vault's signature threshold needs, and what to sign."""

    owner: ChecksumAddress
    nonce: int = Field(ge=0, description="the vault's nonce when read; a signature is only good for it")
    digest: Hex = Field(description="the EIP-712 digest to sign (32 bytes)")
    threshold: BaseUnits = Field(description="sales strictly above this need the signature")


class Review(_Frozen):
    """What the risk step is given (``candidate``) and, if the owner must sign, what the owner signs."""

    candidate: TradeCandidate
    owner_approval: OwnerApproval | None = None
    stand_in_owner: bool = Field(
        description="the simulation signed as a stand-in owner (a state override): the call needs the "
        "owner's signature, and everything but that signature was checked"
    )
