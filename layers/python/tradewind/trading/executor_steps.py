"""The trade flow's signing steps, run by the chain executor (the only role with kms:Sign).

Sign moves the trade to ``signing`` (the conditional write a cancel races against) and signs
the vault call once per trade; Broadcast sends it and marks the trade ``submitted``; Check looks
once and keeps what the chain says. A retried step finds the same transaction: the sender keys
it by the trade id, so nothing is ever signed or sent twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, Protocol

from pydantic import BaseModel

from tradewind.audit.models import AuditKind
from tradewind.audit.service import AuditLog
from tradewind.errors import InvalidInput, NotFound
from tradewind.trading.flow import TradeCancelled, VaultLookup
from tradewind.trading.models import Trade, TradeSide, TradeStatus
from tradewind.trading.repository import TradesRepository
from tradewind.trading.vault_calls import VaultCall
from tradewind.vaults.models import Vault

EXECUTOR_ACTOR = "system:chain-executor"
BPS = Decimal(10_000)


class ExecutionCheckLike(Protocol):
    """What one confirmation check found (TradeExecution.check's ExecutionCheck)."""

    status: str
    tx_hash: str
    gas_used: int | None
    gas_cost_wei: int | None
    revert_reason: str | None
    amount_in: int | None
    amount_out: int | None


class Execution(Protocol):
    """Signs, sends and checks one trade's transaction (TradeExecution)."""

    def sign(self, trade_id: str, chain: str, vault: str, calldata: str, gas: int | None = None) -> str:
        """Sign once per trade; the transaction hash."""
        ...

    def broadcast(self, trade_id: str, chain: str) -> str:
        """Send the signed transaction; its hash."""
        ...

    def check(self, trade_id: str, chain: str) -> Any:
        """One look at the transaction (an ExecutionCheckLike)."""
        ...


class ExecutorStepResult(BaseModel):
    """What a signing step hands back to the state machine."""

    status: Literal["pending", "confirmed", "failed"] | None = None
    tx_hash: str | None = None


class TradeExecutorSteps:
    """Sign, Broadcast and Check for the trade flow."""

    def __init__(
        self,
        trades: TradesRepository,
        vaults: VaultLookup,
        execution: Execution,
        *,
        audit: AuditLog,
        clock: Callable[[], datetime],
        confirmation_timeout_s: float,
    ) -> None:
        self._trades = trades
        self._vaults = vaults
        self._execution = execution
        self._audit = audit
        self._clock = clock
        self._confirmation_timeout_s = confirmation_timeout_s

    def sign(self, user_id: str, trade_id: str) -> ExecutorStepResult:
        """Claim the trade for signing (a cancel can no longer win) and sign its vault call once."""
        trade = self._trade(user_id, trade_id)
        if trade.status in {TradeStatus.ANALYZING, TradeStatus.AWAITING_APPROVAL}:
            detail = f"approved by {trade.approved_by}" if trade.approved_by else "approved automatically"
            trade = self._trades.transition(
                user_id, trade_id, TradeStatus.SIGNING, self._clock(), detail, approval_token=None
            )
        elif trade.status is not TradeStatus.SIGNING:
            raise TradeCancelled(f"the trade is {trade.status.value}; it is not signed")
        if trade.vault_call is None:
            raise InvalidInput("the trade has no vault call to sign", field="vault_call")
        vault = self._vault(trade)
        call = VaultCall.model_validate(trade.vault_call)
        tx_hash = self._execution.sign(trade_id, vault.chain, str(vault.address), call.data)
        self._trades.annotate(user_id, trade_id, frozenset({TradeStatus.SIGNING}), tx_hash=tx_hash)
        self._audit.append(
            user_id,
            f"{trade_id}:signed",
            kind=AuditKind.SIGNED,
            subject=trade_id,
            actor=EXECUTOR_ACTOR,
            data={"tx_hash": tx_hash},
        )
        return ExecutorStepResult(tx_hash=tx_hash)

    def broadcast(self, user_id: str, trade_id: str) -> ExecutorStepResult:
        """Send the signed transaction and mark the trade submitted."""
        trade = self._trade(user_id, trade_id)
        vault = self._vault(trade)
        tx_hash = self._execution.broadcast(trade_id, vault.chain)
        self._trades.transition(
            user_id, trade_id, TradeStatus.SUBMITTED, self._clock(), f"sent {tx_hash}", tx_hash=tx_hash
        )
        self._audit.append(
            user_id,
            f"{trade_id}:broadcast",
            kind=AuditKind.BROADCAST,
            subject=trade_id,
            actor=EXECUTOR_ACTOR,
            data={"tx_hash": tx_hash},
        )
        return ExecutorStepResult(tx_hash=tx_hash)

    def check(self, user_id: str, trade_id: str) -> ExecutorStepResult:
        """One look at the transaction: keep the outcome on the trade when there is one."""
        trade = self._trade(user_id, trade_id)
        vault = self._vault(trade)
        result: ExecutionCheckLike = self._execution.check(trade_id, vault.chain)
        submitted = self._trades.annotate
        live = frozenset({TradeStatus.SUBMITTED})
        if result.status == "confirmed":
            submitted(user_id, trade_id, live, **_outcome(trade, result))
            return ExecutorStepResult(status="confirmed", tx_hash=result.tx_hash)
        if result.status == "reverted":
            reason = f"reverted: {result.revert_reason or 'no reason given'}"
            submitted(
                user_id,
                trade_id,
                live,
                error=reason,
                gas_used=result.gas_used,
                gas_cost_wei=result.gas_cost_wei,
            )
            return ExecutorStepResult(status="failed", tx_hash=result.tx_hash)
        waited = (self._clock() - trade.updated_at).total_seconds()
        if waited > self._confirmation_timeout_s:
            reason = f"not confirmed within {self._confirmation_timeout_s:.0f} s of broadcast"
            submitted(user_id, trade_id, live, error=reason)
            return ExecutorStepResult(status="failed", tx_hash=result.tx_hash)
        return ExecutorStepResult(status="pending", tx_hash=result.tx_hash)

    def _trade(self, user_id: str, trade_id: str) -> Trade:
        trade = self._trades.get(user_id, trade_id)
        if trade is None:
            raise NotFound("no such trade")
        return trade

    def _vault(self, trade: Trade) -> Vault:
        vault = self._vaults.get(trade.user_id, trade.request.vault)
        if vault is None or vault.address is None:
            raise NotFound("the trade's vault no longer exists")
        return vault


def _outcome(trade: Trade, result: ExecutionCheckLike) -> dict[str, Any]:
    """Amounts in token units, the executed price and the slippage against the quote, and gas."""
    quote = (trade.quote or {}).get("quote") or {}
    outcome: dict[str, Any] = {
        "gas_used": result.gas_used,
        "gas_cost_wei": result.gas_cost_wei,
        "error": None,
    }
    if result.amount_in is None or result.amount_out is None or not quote:
        return outcome
    # The quote's units per base unit are exact powers of ten: the same scale for what executed.
    unit_in = Decimal(str(quote["amount_in_units"])) / int(quote["amount_in"])
    unit_out = Decimal(str(quote["amount_out_units"])) / int(quote["amount_out"])
    amount_in = Decimal(result.amount_in) * unit_in
    amount_out = Decimal(result.amount_out) * unit_out
    if trade.request.side is TradeSide.EXACT_IN:
        slippage = (int(quote["amount_out"]) - result.amount_out) * BPS / int(quote["amount_out"])
    else:
        slippage = (result.amount_in - int(quote["amount_in"])) * BPS / int(quote["amount_in"])
    return {
        **outcome,
        "amount_in": amount_in.normalize(),
        "amount_out": amount_out.normalize(),
        "executed_price": (amount_out / amount_in).quantize(Decimal("1e-12")) if amount_in else None,
        "effective_slippage_bps": slippage.quantize(Decimal("0.01")),
    }
