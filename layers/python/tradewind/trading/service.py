"""The trade use cases the API serves: submit a trade, read it, and answer its approval.

The flow itself runs in Step Functions; the API records the trade, starts its execution and,
while the trade waits for its owner, answers the waiting step. Rejecting or cancelling moves the
trade to its final status here first (a conditional write: of a cancel and the signer, one wins)
and then ends the wait, so the answer is immediate and the flow records the outcome it finds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from tradewind.audit.models import AuditKind
from tradewind.audit.service import AuditLog
from tradewind.deployments.tokens import TokenService
from tradewind.errors import InvalidInput, NotFound
from tradewind.trading.models import (
    TimelineEntry,
    Trade,
    TradeRequest,
    TradeStatus,
    new_trade_id,
)
from tradewind.trading.repository import TradesRepository
from tradewind.vaults.models import Vault, VaultStatus


class VaultLookup(Protocol):
    """The user's vault records (the vaults repository)."""

    def get(self, user_id: str, vault_id: str) -> Vault | None:
        """The vault, or None when the user has none by that id."""
        ...


class FlowControl(Protocol):
    """Starts a trade's execution and answers its approval step (StepFunctionsTradeFlow)."""

    def start(self, trade_id: str, execution_input: dict[str, Any]) -> None:
        """Start the trade's execution; idempotent per trade."""
        ...

    def approve(self, task_token: str, output: dict[str, Any]) -> None:
        """Let the waiting execution go on."""
        ...

    def end(self, task_token: str, error: str, cause: str) -> None:
        """End the wait with an error the flow records."""
        ...


class TradeService:
    """Records trades, starts their flow and answers their approvals."""

    def __init__(
        self,
        trades: TradesRepository,
        vaults: VaultLookup,
        tokens: TokenService,
        flow: FlowControl,
        *,
        audit: AuditLog,
        clock: Callable[[], datetime],
        approval_timeout_s: int,
        confirm_poll_s: int,
    ) -> None:
        self._trades = trades
        self._vaults = vaults
        self._tokens = tokens
        self._flow = flow
        self._audit = audit
        self._clock = clock
        self._approval_timeout_s = approval_timeout_s
        self._confirm_poll_s = confirm_poll_s

    def submit(self, user_id: str, idempotency_key: str, request: TradeRequest) -> tuple[Trade, bool]:
        """Record the trade under its key and start its flow: (trade, created).

        The same key again returns the first trade (and starts its flow if an earlier attempt
        recorded it but could not start it); the same key with another request is a Conflict.
        """
        vault = self._vaults.get(user_id, request.vault)
        if vault is None:
            raise NotFound("no vault with this id; see GET /v1/vaults")
        if vault.status is not VaultStatus.ACTIVE:
            raise InvalidInput(f"the vault is {vault.status.value}, not active", field="vault")
        known = self._tokens.list(vault.chain)
        resolved: dict[str, str] = {}
        for field, token in (("sell_token", request.sell_token), ("buy_token", request.buy_token)):
            match = next((t for t in known if token.upper() in (t.symbol.upper(), t.address.upper())), None)
            if match is None:
                detail = f"{token} is not a token of {vault.chain}; see GET /v1/tokens"
                raise InvalidInput(detail, field=field)
            resolved[field] = match.address.lower()
        if resolved["sell_token"] == resolved["buy_token"]:
            raise InvalidInput("the trade sells and buys the same token", field="buy_token")
        now = self._clock()
        trade, created = self._trades.create(
            Trade(
                id=new_trade_id(),
                user_id=user_id,
                request=request,
                status=TradeStatus.ANALYZING,
                timeline=(TimelineEntry(status=TradeStatus.ANALYZING, at=now),),
                created_at=now,
                updated_at=now,
            ),
            idempotency_key,
            now,
        )
        if not trade.status.final:
            self._flow.start(
                trade.id,
                {
                    "trade_id": trade.id,
                    "user_id": user_id,
                    "approval_timeout_s": self._approval_timeout_s,
                    "confirm_poll_s": self._confirm_poll_s,
                },
            )
        return trade, created

    def get(self, user_id: str, trade_id: str) -> Trade:
        """One of the user's trades; someone else's is NotFound."""
        trade = self._trades.get(user_id, trade_id)
        if trade is None:
            raise NotFound("no such trade")
        return trade

    def list(self, user_id: str, limit: int, before: str | None) -> list[Trade]:
        """The user's trades, newest first."""
        return self._trades.list(user_id, limit, before)

    def approve(self, user_id: str, trade_id: str, actor: str, owner_signature: str | None) -> Trade:
        """Let a waiting trade go to signing; above the vault's threshold, with the owner's signature
        over the digest in its risk report, checked to recover to the vault's owner."""
        trade = self._waiting(user_id, trade_id)
        risk = trade.risk or {}
        updates: dict[str, Any] = {"approved_by": actor}
        if risk.get("owner_signature_required"):
            if not owner_signature:
                raise InvalidInput(
                    "this trade is above the vault's signature threshold: sign risk.owner_digest "
                    "with the vault owner's key",
                    field="owner_signature",
                )
            updates["vault_call"] = _signed_call(trade, owner_signature)
        waiting = frozenset({TradeStatus.AWAITING_APPROVAL})
        approved = self._trades.annotate(user_id, trade_id, waiting, **updates)
        self._audit.append(
            user_id,
            f"{trade_id}:approved",
            kind=AuditKind.APPROVED,
            subject=trade_id,
            actor=actor,
            data={"owner_signature": "owner_signature" in updates.get("vault_call", {})},
        )
        self._flow.approve(str(trade.approval_token), {"approved_by": actor})
        return approved

    def reject(self, user_id: str, trade_id: str, actor: str) -> Trade:
        """End a waiting trade as rejected."""
        trade = self._waiting(user_id, trade_id)
        return self._end(trade, TradeStatus.REJECTED, actor, "TradeRejected")

    def cancel(self, user_id: str, trade_id: str, actor: str) -> Trade:
        """Cancel a trade that has not started signing; afterwards it is a Conflict."""
        return self._end(self.get(user_id, trade_id), TradeStatus.CANCELLED, actor, "TradeCancelled")

    def _waiting(self, user_id: str, trade_id: str) -> Trade:
        trade = self.get(user_id, trade_id)
        if trade.status is not TradeStatus.AWAITING_APPROVAL or trade.approval_token is None:
            raise InvalidInput(f"the trade is {trade.status.value}, not awaiting approval", field="status")
        return trade

    def _end(self, trade: Trade, status: TradeStatus, actor: str, error: str) -> Trade:
        ended = self._trades.transition(trade.user_id, trade.id, status, self._clock(), f"by {actor}")
        self._audit.append(
            trade.user_id,
            f"{trade.id}:{status.value}",
            kind=AuditKind(status.value),
            subject=trade.id,
            actor=actor,
        )
        if trade.approval_token is not None:
            self._flow.end(trade.approval_token, error, f"{status.value} by {actor}")
        return ended


def _signed_call(trade: Trade, owner_signature: str) -> dict[str, Any]:
    """The trade's vault call carrying the owner's signature, which must recover to the vault owner."""
    # eth_abi comes with the vault call's encoding: imported on an approval, not at the API's cold start.
    from tradewind.trading.vault_calls import VaultCall, recover_signer, with_owner_signature  # noqa: PLC0415

    risk = trade.risk or {}
    digest = bytes.fromhex(str(risk.get("owner_digest", "")).removeprefix("0x"))
    try:
        signer = recover_signer(digest, owner_signature)
    except InvalidInput as e:
        raise InvalidInput(e.detail, field="owner_signature") from e
    if signer.lower() != str(risk.get("owner", "")).lower():
        raise InvalidInput(f"the signature is {signer}'s, not the vault owner's", field="owner_signature")
    return with_owner_signature(VaultCall.model_validate(trade.vault_call), owner_signature).model_dump(
        mode="json"
    )
