"""Trade outcome events agree with their schema and samples in events/trades/."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import jsonschema
import pytest

from tests.support.events import EVENTS_DIR, load_event
from tradewind.trading.models import TimelineEntry, Trade, TradeRequest, TradeStatus
from tradewind.trading.notifications import DETAIL_TYPES, SOURCE, trade_event_detail

SCHEMA = json.loads((EVENTS_DIR / "trades/trade_event.schema.json").read_text())
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("sample", ["trades/trade_confirmed.json", "trades/trade_rejected.json"])
def test_the_samples_follow_the_schema(sample: str) -> None:
    event = load_event(sample)
    jsonschema.validate(event["detail"], SCHEMA)
    assert event["source"] == SOURCE
    assert event["detail-type"] == DETAIL_TYPES[TradeStatus(event["detail"]["status"])]


def test_what_the_flow_publishes_for_each_final_status_follows_the_schema() -> None:
    request = TradeRequest.model_validate(
        {"vault": "v1", "sell_token": "WETH", "buy_token": "USDC", "amount": "0.5"}
    )
    for status in DETAIL_TYPES:
        trade = Trade(
            id="t1",
            user_id="u1",
            request=request,
            status=status,
            timeline=(TimelineEntry(status=status, at=NOW),),
            created_at=NOW,
            updated_at=NOW,
            tx_hash="0x" + "ab" * 32 if status is TradeStatus.CONFIRMED else None,
            amount_in=Decimal("0.5") if status is TradeStatus.CONFIRMED else None,
            amount_out=Decimal("1497.25") if status is TradeStatus.CONFIRMED else None,
            gas_cost_wei=123 if status is TradeStatus.CONFIRMED else None,
            error=None if status is TradeStatus.CONFIRMED else "why",
        )
        detail = trade_event_detail(trade, "local-l1", "0x" + "12" * 20)
        jsonschema.validate(detail, SCHEMA)
        assert (detail["status"], detail["at"]) == (status.value, "2026-11-25T12:00:00Z")
