"""The trade flow's non-signing steps around the approval and the final record (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.unit.memory import (
    FakeClock,
    InMemoryAuditRepository,
    InMemoryTradesRepository,
    InMemoryVaultsRepository,
)
from tradewind.audit.service import AuditLog
from tradewind.trading.flow import TradeCancelled, TradeFlowSteps
from tradewind.trading.models import TimelineEntry, Trade, TradeRequest, TradeStatus
from tradewind.vaults.models import Vault, VaultStatus

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
USER = "u1"
VAULT = Vault(
    id="v1",
    chain="local-l1",
    owner="0x" + "1" * 40,
    status=VaultStatus.ACTIVE,
    address="0x" + "2" * 40,
    created_at=NOW,
)


class RecordingNotifier:
    """Notifier that keeps what it was told."""

    def __init__(self) -> None:
        self.outcomes: list[tuple[str, str, str]] = []
        self.waiting: list[str] = []

    def ended(self, trade: Trade, chain: str, vault: str) -> None:
        self.outcomes.append((trade.status.value, chain, vault))

    def awaiting_approval(self, trade: Trade) -> None:
        self.waiting.append(trade.id)


class Unreached:
    """The analyzer and the risk service: these steps must not call them."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"{name} should not be called")


Built = tuple[TradeFlowSteps, InMemoryTradesRepository, InMemoryAuditRepository, RecordingNotifier]


def _steps(risk: dict[str, Any] | None = None) -> Built:
    trades, audit, notifier = InMemoryTradesRepository(), InMemoryAuditRepository(), RecordingNotifier()
    vaults = InMemoryVaultsRepository()
    vaults.add(USER, VAULT)
    fields = {"vault": "v1", "sell_token": "WETH", "buy_token": "USDC", "amount": "1"}
    trade = Trade(
        id="t1",
        user_id=USER,
        request=TradeRequest.model_validate(fields),
        status=TradeStatus.ANALYZING,
        timeline=(TimelineEntry(status=TradeStatus.ANALYZING, at=NOW),),
        created_at=NOW,
        updated_at=NOW,
        risk=risk,
    )
    trades.create(trade, "key-1", NOW)
    clock = FakeClock(NOW)
    steps = TradeFlowSteps(
        trades, vaults, Unreached(), Unreached(), audit=AuditLog(audit, clock), notifier=notifier, clock=clock
    )
    return steps, trades, audit, notifier


def _kinds(audit: InMemoryAuditRepository) -> list[str]:
    return [entry.kind.value for entry in audit.chains.get(USER, {}).values()]


def test_a_retried_approval_step_parks_its_new_token_and_a_signature_request_is_audited_once() -> None:
    # Given a trade whose vault needs the owner's signature
    steps, trades, audit, notifier = _steps(
        risk={"owner_signature_required": True, "owner": VAULT.owner, "owner_digest": "0x" + "ab" * 32}
    )
    # When the approval step runs, then runs again (Step Functions retried it with a new token)
    steps.await_approval(USER, "t1", "token-1")
    steps.await_approval(USER, "t1", "token-2")
    # Then the trade waits with the live token, the owner heard twice, the request is audited once
    trade = trades.get(USER, "t1")
    assert trade is not None
    assert (trade.status, trade.approval_token) == (TradeStatus.AWAITING_APPROVAL, "token-2")
    assert [entry.status for entry in trade.timeline] == [
        TradeStatus.ANALYZING,
        TradeStatus.AWAITING_APPROVAL,
    ]
    assert notifier.waiting == ["t1", "t1"]
    assert _kinds(audit) == ["signature_requested"]


def test_a_cancelled_trade_cannot_start_waiting() -> None:
    steps, trades, _, notifier = _steps()
    trades.transition(USER, "t1", TradeStatus.CANCELLED, NOW)
    with pytest.raises(TradeCancelled):
        steps.await_approval(USER, "t1", "token-1")
    assert notifier.waiting == []


def test_the_final_record_is_written_once_with_its_reason_and_published_each_time_it_runs() -> None:
    # Given a trade the risk step rejected
    steps, trades, audit, notifier = _steps(
        risk={"findings": [{"code": "trade_limit_exceeded", "message": "too big", "severity": "block"}]}
    )
    # When the Record state runs (and Step Functions runs it again)
    steps.record(USER, "t1", "rejected", None)
    steps.record(USER, "t1", "rejected", None)
    # Then the trade is rejected once, with the blocking finding as its reason, audited once
    trade = trades.get(USER, "t1")
    assert trade is not None
    assert (trade.status, trade.error) == (TradeStatus.REJECTED, "trade_limit_exceeded: too big")
    assert len(trade.timeline) == 2
    assert _kinds(audit) == ["rejected"]
    assert notifier.outcomes == [("rejected", "local-l1", VAULT.address)] * 2


def test_a_failure_records_the_step_error_and_its_cause() -> None:
    steps, trades, _, _ = _steps()
    steps.record(USER, "t1", "failed", {"Error": "DependencyUnavailable", "Cause": "local-l1 did not answer"})
    trade = trades.get(USER, "t1")
    assert trade is not None
    assert trade.error == "DependencyUnavailable: local-l1 did not answer"
