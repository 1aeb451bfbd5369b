"""A trade's request, its lifecycle and the record the flow keeps of it.

Statuses move one way only (``TRANSITIONS``): every path ends in one final status, and a final
trade never changes again. The repository enforces this with conditional writes, so two racing
steps (an approval and a timeout, a cancel and the signer) cannot both win.
"""

from __future__ import annotations

import hashlib
import os
import time
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class TradeSide(StrEnum):
    """Which amount the user fixed: what is sold (exact in) or what is bought (exact out)."""

    EXACT_IN = "exact_in"
    EXACT_OUT = "exact_out"


class TradeOrigin(StrEnum):
    """Who asked for the trade: the user through the API, or the assistant on the user's behalf."""

    USER = "user"
    # The assistant only proposes: its trades always wait for the user, whatever the automation policy.
    ASSISTANT = "assistant"


class TradeStatus(StrEnum):
    """Where a trade is; the last five are final."""

    ANALYZING = "analyzing"
    AWAITING_APPROVAL = "awaiting_approval"
    SIGNING = "signing"
    SUBMITTED = "submitted"
    CONFIRMED = "confirmed"
    FAILED = "failed"
    REJECTED = "rejected"
    EXPIRED = "expired"
    CANCELLED = "cancelled"

    @property
    def final(self) -> bool:
        """Whether nothing can follow."""
        return self not in TRANSITIONS


# Cancelling is possible until signing starts; after that the transaction may already be out.
TRANSITIONS: dict[TradeStatus, frozenset[TradeStatus]] = {
    TradeStatus.ANALYZING: frozenset(
        {
            TradeStatus.AWAITING_APPROVAL,
            TradeStatus.SIGNING,
            TradeStatus.REJECTED,
            TradeStatus.FAILED,
            TradeStatus.CANCELLED,
        }
    ),
    TradeStatus.AWAITING_APPROVAL: frozenset(
        {
            TradeStatus.SIGNING,
            TradeStatus.REJECTED,
            TradeStatus.EXPIRED,
            TradeStatus.FAILED,
            TradeStatus.CANCELLED,
        }
    ),
    TradeStatus.SIGNING: frozenset({TradeStatus.SUBMITTED, TradeStatus.FAILED}),
    TradeStatus.SUBMITTED: frozenset({TradeStatus.CONFIRMED, TradeStatus.FAILED}),
}


def sources_of(target: TradeStatus) -> frozenset[TradeStatus]:
    """The statuses a trade may be in to move to ``target``."""
    return frozenset(source for source, targets in TRANSITIONS.items() if target in targets)


def new_trade_id() -> str:
    """A trade id that sorts by creation time (milliseconds, then 64 random bits), like a ULID."""
    return f"{time.time_ns() // 1_000_000:013x}{os.urandom(8).hex()}"


class TradeRequest(BaseModel):
    """What ``POST /v1/trades`` asks: ``vault`` is a vault id, tokens are symbols or addresses."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    vault: str = Field(min_length=1, max_length=64)
    sell_token: str = Field(min_length=1, max_length=64)
    buy_token: str = Field(min_length=1, max_length=64)
    amount: Decimal = Field(gt=0, description='a decimal string in token units, e.g. "0.5"')
    side: TradeSide = TradeSide.EXACT_IN
    max_slippage_bps: int = Field(default=50, ge=1, le=5_000)
    deadline_s: int = Field(default=300, ge=30, le=3_600)
    origin: TradeOrigin = TradeOrigin.USER

    @field_validator("amount", mode="before")
    @classmethod
    def _amount_is_text(cls, value: object) -> object:
        # A JSON fraction is a binary float: 0.1 would arrive as 0.1000000000000000055...
        if isinstance(value, float):
            raise ValueError('give the amount as a decimal string, e.g. "0.5"')
        return value

    def fingerprint(self) -> str:
        """A digest of the request, to tell a retry from a different request under the same key."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()


class TimelineEntry(BaseModel):
    """One step of a trade's life, as ``GET /v1/trades/{id}`` shows it."""

    model_config = ConfigDict(frozen=True)

    status: TradeStatus
    at: datetime
    detail: str | None = None


class Trade(BaseModel):
    """A trade as recorded: the request, where it is, and what each step found.

    ``quote``, ``vault_call`` and ``risk`` hold what the analysis and risk steps produced (the vault
    call carries the owner's signature once an approval supplied one); the execution fields are
    set once the chain has the transaction.
    """

    model_config = ConfigDict(frozen=True)

    id: str
    user_id: str
    request: TradeRequest
    status: TradeStatus
    timeline: tuple[TimelineEntry, ...]
    created_at: datetime
    updated_at: datetime
    quote: dict[str, Any] | None = None
    vault_call: dict[str, Any] | None = None
    risk: dict[str, Any] | None = None
    # The Step Functions task token of the approval step, while the trade waits for its owner.
    approval_token: str | None = None
    approved_by: str | None = None
    tx_hash: str | None = None
    amount_in: Decimal | None = Field(default=None, description="token units sold")
    amount_out: Decimal | None = Field(default=None, description="token units bought")
    executed_price: Decimal | None = None
    effective_slippage_bps: Decimal | None = None
    gas_used: int | None = None
    gas_cost_wei: int | None = None
    error: str | None = None
