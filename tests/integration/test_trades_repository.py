"""Trades on the emulator's accounts table: Idempotency-Key claims and racing status changes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from localcloud import LocalCloud
from tradewind.errors import Conflict
from tradewind.storage.accounts_table import bind_accounts_table
from tradewind.trading.dynamodb import DynamoTradesRepository, IdempotencyKeyReused
from tradewind.trading.models import TimelineEntry, Trade, TradeRequest, TradeStatus, new_trade_id

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def trades(local_cloud: LocalCloud, api_environment: dict[str, str]) -> DynamoTradesRepository:
    bind_accounts_table(local_cloud.deployment.outputs["AccountsTableName"])
    return DynamoTradesRepository()


def _trade(user_id: str, amount: str = "0.5") -> Trade:
    request = TradeRequest.model_validate(
        {"vault": "v1", "sell_token": "WETH", "buy_token": "USDC", "amount": amount}
    )
    return Trade(
        id=new_trade_id(),
        user_id=user_id,
        request=request,
        status=TradeStatus.ANALYZING,
        timeline=(TimelineEntry(status=TradeStatus.ANALYZING, at=NOW),),
        created_at=NOW,
        updated_at=NOW,
    )


def test_the_same_key_gives_the_first_trade_and_a_different_request_is_refused(
    trades: DynamoTradesRepository,
) -> None:
    # Given a trade recorded under a key
    first, created = trades.create(_trade("u-key"), "key-1", NOW)
    assert created
    # When the same request comes again under the same key, from eight clients at once
    with ThreadPoolExecutor(max_workers=8) as pool:
        retries = list(pool.map(lambda _: trades.create(_trade("u-key"), "key-1", NOW), range(8)))
    # Then every retry gets the first trade and nothing new was recorded
    assert {(trade.id, made) for trade, made in retries} == {(first.id, False)}
    assert [trade.id for trade in trades.list("u-key", limit=10)] == [first.id]
    # And the same key with another amount is refused, while another key makes a second trade
    with pytest.raises(IdempotencyKeyReused):
        trades.create(_trade("u-key", amount="0.6"), "key-1", NOW)
    second, created = trades.create(_trade("u-key", amount="0.6"), "key-2", NOW)
    assert created
    assert [trade.id for trade in trades.list("u-key", limit=10)] == [second.id, first.id]
    # And another user's same key is theirs alone
    _, created = trades.create(_trade("u-other"), "key-1", NOW)
    assert created


def test_of_two_racing_final_moves_exactly_one_wins_and_the_timeline_records_it(
    trades: DynamoTradesRepository,
) -> None:
    # Given a trade waiting for its owner
    trade, _ = trades.create(_trade("u-race"), "race", NOW)
    trades.transition("u-race", trade.id, TradeStatus.AWAITING_APPROVAL, NOW, "needs approval")
    # When an approval, a cancel and the timeout race, eight times each
    moves = [TradeStatus.SIGNING, TradeStatus.CANCELLED, TradeStatus.EXPIRED] * 8

    def move(target: TradeStatus) -> TradeStatus | None:
        try:
            return trades.transition("u-race", trade.id, target, NOW).status
        except Conflict:
            return None

    with ThreadPoolExecutor(max_workers=12) as pool:
        outcomes = list(pool.map(move, moves))
    # Then one target won; only its own retries saw it, every other move was refused
    stored = trades.get("u-race", trade.id)
    assert stored is not None
    winners = {outcome for outcome in outcomes if outcome is not None}
    assert winners == {stored.status}
    assert outcomes.count(stored.status) == 8
    assert [entry.status for entry in stored.timeline] == [
        TradeStatus.ANALYZING,
        TradeStatus.AWAITING_APPROVAL,
        stored.status,
    ]


def test_a_final_trade_never_changes_and_a_retried_step_is_a_no_op(trades: DynamoTradesRepository) -> None:
    trade, _ = trades.create(_trade("u-final"), "final", NOW)
    signing = trades.transition("u-final", trade.id, TradeStatus.SIGNING, NOW)
    submitted = trades.transition("u-final", trade.id, TradeStatus.SUBMITTED, NOW, tx_hash="0x" + "ab" * 32)
    # A retried step returns the trade as it is
    assert trades.transition("u-final", trade.id, TradeStatus.SUBMITTED, NOW) == submitted
    confirmed = trades.transition("u-final", trade.id, TradeStatus.CONFIRMED, NOW, gas_used=120_000)
    assert (confirmed.tx_hash, confirmed.gas_used) == ("0x" + "ab" * 32, 120_000)
    assert len(confirmed.timeline) == len(signing.timeline) + 2
    for target in (TradeStatus.FAILED, TradeStatus.CANCELLED, TradeStatus.SIGNING):
        with pytest.raises(Conflict, match="confirmed"):
            trades.transition("u-final", trade.id, target, NOW)


def test_lists_page_newest_first(trades: DynamoTradesRepository) -> None:
    made = [trades.create(_trade("u-page"), f"page-{i}", NOW)[0].id for i in range(5)]
    first = trades.list("u-page", limit=2)
    rest = trades.list("u-page", limit=10, before=first[-1].id)
    assert [t.id for t in first + rest] == made[::-1]
