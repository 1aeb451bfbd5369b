"""/v1/trades: submit a trade to the trade flow, follow it, and approve, reject or cancel it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from tradewind.accounts.models import Principal
from tradewind.api.security import Reader, ServicesDep, Trader
from tradewind.trading.models import TimelineEntry, Trade, TradeRequest, TradeStatus

router = APIRouter(prefix="/v1/trades", tags=["trades"])

IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=8,
        max_length=128,
        pattern=r"^[A-Za-z0-9_.:\-]+$",
        description="Chosen by the client per trade; the same key again returns the same trade",
    ),
]


class TradeView(BaseModel):
    """A trade as its owner sees it: the request, the status and a timeline of steps, the quote,
    the risk report and, once executed, the transaction and its outcome."""

    id: str
    status: TradeStatus
    request: TradeRequest
    timeline: tuple[TimelineEntry, ...]
    created_at: datetime
    updated_at: datetime
    quote: dict[str, Any] | None
    risk: dict[str, Any] | None
    approved_by: str | None
    tx_hash: str | None
    amount_in: Decimal | None
    amount_out: Decimal | None
    executed_price: Decimal | None
    effective_slippage_bps: Decimal | None
    gas_used: int | None
    gas_cost_wei: int | None
    error: str | None

    @classmethod
    def of(cls, trade: Trade) -> TradeView:
        """The view of a trade; the flow's task token is never shown."""
        return cls.model_validate(trade.model_dump(exclude={"user_id", "vault_call", "approval_token"}))


class Submitted(BaseModel):
    """What POST /v1/trades answers."""

    trade_id: str
    status: TradeStatus


class TradeList(BaseModel):
    """The caller's trades, newest first; ``next`` pages further back."""

    items: list[TradeView]
    next: str | None


class Approval(BaseModel):
    """The owner's EIP-712 signature over ``risk.owner_digest``, when the vault requires one."""

    model_config = ConfigDict(extra="forbid")

    owner_signature: str | None = Field(default=None, pattern=r"^0x[0-9a-fA-F]{130}$")


def _actor(principal: Principal) -> str:
    if principal.api_key_id is not None:
        return f"apikey:{principal.api_key_id}"
    return f"user:{principal.user_id}"


@router.post("", status_code=202, response_model=Submitted)
def submit(
    body: TradeRequest,
    idempotency_key: IdempotencyKey,
    principal: Trader,
    svc: ServicesDep,
    response: Response,
) -> Submitted:
    """Start a trade: 202 while the flow analyzes it; the same Idempotency-Key returns the same trade
    (200), and the same key with a different request is 409."""
    trade, created = svc.trades.submit(principal.user_id, idempotency_key, body)
    response.status_code = 202 if created else 200
    response.headers["Location"] = f"/v1/trades/{trade.id}"
    return Submitted(trade_id=trade.id, status=trade.status)


@router.get("", response_model=TradeList)
def list_trades(
    principal: Reader,
    svc: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    before: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
) -> TradeList:
    """The caller's trades, newest first."""
    trades = svc.trades.list(principal.user_id, limit, before)
    return TradeList(
        items=[TradeView.of(t) for t in trades], next=trades[-1].id if len(trades) == limit else None
    )


@router.get("/{trade_id}", response_model=TradeView)
def get_trade(trade_id: str, principal: Reader, svc: ServicesDep) -> TradeView:
    """One trade with its timeline; someone else's is 404."""
    return TradeView.of(svc.trades.get(principal.user_id, trade_id))


@router.post("/{trade_id}/approve", response_model=TradeView)
def approve(trade_id: str, body: Approval, principal: Trader, svc: ServicesDep) -> TradeView:
    """Approve a trade that waits for its owner; above the vault's threshold, with the owner's signature."""
    return TradeView.of(
        svc.trades.approve(principal.user_id, trade_id, _actor(principal), body.owner_signature)
    )


@router.post("/{trade_id}/reject", response_model=TradeView)
def reject(trade_id: str, principal: Trader, svc: ServicesDep) -> TradeView:
    """Reject a trade that waits for its owner: it ends as rejected."""
    return TradeView.of(svc.trades.reject(principal.user_id, trade_id, _actor(principal)))


@router.post("/{trade_id}/cancel", response_model=TradeView)
def cancel(trade_id: str, principal: Trader, svc: ServicesDep) -> TradeView:
    """Cancel a trade before signing; once signing has started it is 409."""
    return TradeView.of(svc.trades.cancel(principal.user_id, trade_id, _actor(principal)))
