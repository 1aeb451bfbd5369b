"""The trade flow's steps that do not sign: analyze, assess, await approval, record.

Each step reads the trade, does its part, and writes what it found back on the trade, so the
state machine passes only ids and decisions between states. Every step is safe to retry: a step
whose result is already on the trade returns it, audit entries carry an event id per trade and
step, and the final record is written once (a repeated transition is a no-op). A step that finds
the trade already cancelled raises ``TradeCancelled``, which the state machine catches.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal, Protocol

from pydantic import BaseModel

from tradewind.audit.models import AuditKind
from tradewind.audit.service import AuditLog
from tradewind.errors import NotFound, TradewindError
from tradewind.risk.models import RiskReport, TradeCandidate
from tradewind.trading.analysis_models import Analysis, Review
from tradewind.trading.models import Trade, TradeStatus
from tradewind.trading.repository import TradesRepository
from tradewind.vaults.models import Vault

SYSTEM_ACTOR = "system:trade-flow"
Outcome = Literal["confirmed", "failed", "rejected", "expired", "cancelled"]


class TradeCancelled(TradewindError):
    """The trade was cancelled (or otherwise ended) while the flow was on its way; its name is
    the error the state machine catches."""


class Analyzer(Protocol):
    """Quotes a trade and reviews it for risk (TradeAnalyzer)."""

    def analyze(self, trade: Trade, vault: Vault | None) -> Analysis:
        """Quote and build the vault call."""
        ...

    def candidate(self, trade: Trade, vault: Vault, analysis: Analysis) -> Review:
        """Read the vault's limits, simulate the call, and describe the trade for risk."""
        ...


class RiskAssessor(Protocol):
    """The user's risk profile applied to a candidate (RiskService)."""

    def assess(self, user_id: str, candidate: TradeCandidate) -> RiskReport:
        """The report with its decision."""
        ...


class VaultLookup(Protocol):
    """The user's vault records."""

    def get(self, user_id: str, vault_id: str) -> Vault | None:
        """The vault, or None."""
        ...


class Notifier(Protocol):
    """Tells the world how trades end (TradeNotifier)."""

    def ended(self, trade: Trade, chain: str, vault: str) -> None:
        """Publish a final status."""
        ...

    def awaiting_approval(self, trade: Trade) -> None:
        """Say a trade waits for its owner."""
        ...


class StepResult(BaseModel):
    """What a step hands back to the state machine: the trade's status, and the risk decision."""

    status: TradeStatus
    decision: Literal["approve", "needs_approval", "reject"] | None = None


class TradeFlowSteps:
    """The non-signing steps, each called by the state machine through the trade flow function."""

    def __init__(
        self,
        trades: TradesRepository,
        vaults: VaultLookup,
        analyzer: Analyzer,
        risk: RiskAssessor,
        *,
        audit: AuditLog,
        notifier: Notifier,
        clock: Callable[[], datetime],
    ) -> None:
        self._trades = trades
        self._vaults = vaults
        self._analyzer = analyzer
        self._risk = risk
        self._audit = audit
        self._notifier = notifier
        self._clock = clock

    def analyze(self, user_id: str, trade_id: str) -> StepResult:
        """Quote the trade and keep the analysis (quote, route, USD value, gas) and the exact vault call."""
        trade = self._live(user_id, trade_id, TradeStatus.ANALYZING)
        if trade.quote is None or trade.vault_call is None:
            analysis = self._analyzer.analyze(trade, self._vaults.get(user_id, trade.request.vault))
            trade = self._trades.annotate(
                user_id,
                trade_id,
                frozenset({TradeStatus.ANALYZING}),
                quote=analysis.model_dump(mode="json"),
                vault_call=analysis.call.model_dump(mode="json"),
            )
        self._audit.append(
            user_id,
            f"{trade_id}:quote",
            kind=AuditKind.QUOTE,
            subject=trade_id,
            actor=SYSTEM_ACTOR,
            data=trade.quote,
        )
        return StepResult(status=trade.status)

    def assess(self, user_id: str, trade_id: str) -> StepResult:
        """Run the risk checks on the trade as analyzed and keep the report on it.

        When the vault needs its owner's signature, the report also keeps the EIP-712 digest to
        sign and the owner who must sign it, for the approval.
        """
        trade = self._live(user_id, trade_id, TradeStatus.ANALYZING)
        if trade.risk is None:
            review = self._analyzer.candidate(trade, self._vault(trade), Analysis.model_validate(trade.quote))
            report = self._risk.assess(user_id, review.candidate)
            owner = review.owner_approval
            trade = self._trades.annotate(
                user_id,
                trade_id,
                frozenset({TradeStatus.ANALYZING}),
                risk={
                    **report.model_dump(mode="json"),
                    "owner_signature_required": report.needs_owner_signature,
                    "owner_digest": owner.digest if owner and report.needs_owner_signature else None,
                    "owner": owner.owner if owner else None,
                },
            )
        risk = trade.risk or {}
        self._audit.append(
            user_id,
            f"{trade_id}:risk",
            kind=AuditKind.RISK_ASSESSED,
            subject=trade_id,
            actor=SYSTEM_ACTOR,
            data={"decision": risk.get("decision"), "score": risk.get("score")},
        )
        return StepResult(status=trade.status, decision=risk.get("decision"))

    def await_approval(self, user_id: str, trade_id: str, task_token: str) -> StepResult:
        """Park the approval step's token on the trade and tell its owner; the API answers it.

        A retried step brings a new token (the old one is dead), so a trade already waiting gets
        the new token. When the vault needs its owner's signature, the request is audited.
        """
        trade = self.get(user_id, trade_id)
        if trade.status is TradeStatus.AWAITING_APPROVAL:
            waiting_now = frozenset({TradeStatus.AWAITING_APPROVAL})
            waiting = self._trades.annotate(user_id, trade_id, waiting_now, approval_token=task_token)
        elif trade.status is TradeStatus.ANALYZING:
            waiting = self._trades.transition(
                user_id,
                trade_id,
                TradeStatus.AWAITING_APPROVAL,
                self._clock(),
                "waiting for the owner's approval",
                approval_token=task_token,
            )
        else:
            raise TradeCancelled(f"the trade is {trade.status.value}; it no longer waits for approval")
        risk = waiting.risk or {}
        if risk.get("owner_signature_required"):
            self._audit.append(
                user_id,
                f"{trade_id}:signature_requested",
                kind=AuditKind.SIGNATURE_REQUESTED,
                subject=trade_id,
                actor=SYSTEM_ACTOR,
                data={"owner": risk.get("owner"), "digest": risk.get("owner_digest")},
            )
        self._notifier.awaiting_approval(waiting)
        return StepResult(status=waiting.status)

    def record(
        self, user_id: str, trade_id: str, outcome: Outcome, error: dict[str, Any] | None
    ) -> StepResult:
        """Write the trade's final status (once), audit it, and publish it."""
        target = TradeStatus(outcome)
        trade = self.get(user_id, trade_id)
        reason = _reason(trade, target, error)
        if trade.status is not target:
            trade = self._trades.transition(
                user_id, trade_id, target, self._clock(), reason, approval_token=None, error=reason
            )
        self._audit.append(
            user_id,
            f"{trade_id}:final",
            kind=AuditKind(target.value),
            subject=trade_id,
            actor=SYSTEM_ACTOR,
            data={"status": target.value, "reason": reason, "tx_hash": trade.tx_hash},
        )
        vault = self._vault(trade)
        self._notifier.ended(trade, vault.chain, vault.address or "")
        return StepResult(status=trade.status)

    def get(self, user_id: str, trade_id: str) -> Trade:
        """The trade; NotFound when the user has none by that id."""
        trade = self._trades.get(user_id, trade_id)
        if trade is None:
            raise NotFound("no such trade")
        return trade

    def _live(self, user_id: str, trade_id: str, expected: TradeStatus) -> Trade:
        trade = self.get(user_id, trade_id)
        if trade.status is not expected:
            raise TradeCancelled(f"the trade is {trade.status.value}, no longer {expected.value}")
        return trade

    def _vault(self, trade: Trade) -> Vault:
        vault = self._vaults.get(trade.user_id, trade.request.vault)
        if vault is None:
            raise NotFound("the trade's vault no longer exists")
        return vault


def _reason(trade: Trade, target: TradeStatus, error: dict[str, Any] | None) -> str | None:
    """Why the trade ended other than confirmed: the step's error, the risk findings, or what it had."""
    if target is TradeStatus.CONFIRMED:
        return None
    if error:
        return f"{error.get('Error', 'error')}: {_cause(error.get('Cause'))}".strip()
    if target is TradeStatus.REJECTED and trade.risk:
        blocks = [
            f"{f['code']}: {f['message']}" for f in trade.risk.get("findings", []) if f["severity"] == "block"
        ]
        return "; ".join(blocks) or trade.error
    if target is TradeStatus.EXPIRED:
        return "no approval in time"
    return trade.error


def _cause(cause: object) -> str:
    """A Catch's cause: a Lambda error arrives as its JSON (errorType, errorMessage); keep the message."""
    if isinstance(cause, str):
        try:
            parsed = json.loads(cause)
        except ValueError:
            return cause
        if isinstance(parsed, dict) and "errorMessage" in parsed:
            return str(parsed["errorMessage"])
    return "" if cause is None else str(cause)
