"""What the trade state machine hands each function: a step of one trade."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class FlowStep(BaseModel):
    """A non-signing step for the trade flow function (``statemachines/trade.asl.json``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    step: Literal["analyze", "assess", "await_approval", "record"]
    trade_id: str = Field(min_length=1)
    user_id: str = Field(min_length=1)
    task_token: str | None = None
    outcome: Literal["confirmed", "failed", "rejected", "expired", "cancelled"] | None = None
    error: dict[str, Any] | None = None


class TradeCommand(BaseModel):
    """A signing step for the chain executor."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["sign_trade", "broadcast_trade", "check_trade"]
    trade_id: str = Field(min_length=1)
    user_id: str = Field(min_length=1)
