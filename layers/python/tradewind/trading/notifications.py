"""Tells the world how a trade ended: an event on the Tradewind bus and a message on the topic.

Event detail types are ``TradeConfirmed``, ``TradeFailed``, ``TradeRejected``, ``TradeExpired``
and ``TradeCancelled`` (source ``tradewind.trades``); the detail's schema and samples are in
``events/trades/``. The topic also hears when a trade waits for its owner's approval.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from tradewind.aws.clients import client
from tradewind.errors import DependencyUnavailable
from tradewind.trading.models import Trade, TradeStatus

SOURCE = "tradewind.trades"
DETAIL_TYPES = {
    TradeStatus.CONFIRMED: "TradeConfirmed",
    TradeStatus.FAILED: "TradeFailed",
    TradeStatus.REJECTED: "TradeRejected",
    TradeStatus.EXPIRED: "TradeExpired",
    TradeStatus.CANCELLED: "TradeCancelled",
}


def trade_event_detail(trade: Trade, chain: str, vault: str) -> dict[str, Any]:
    """The event detail of a trade in a final status (``events/trades/trade_event.schema.json``)."""
    execution = trade.model_dump(
        mode="json", include={"amount_in", "amount_out", "executed_price", "effective_slippage_bps"}
    )
    return {
        "trade_id": trade.id,
        "user_id": trade.user_id,
        "status": trade.status.value,
        "chain": chain,
        "vault": vault,
        "sell_token": trade.request.sell_token,
        "buy_token": trade.request.buy_token,
        "side": trade.request.side.value,
        "amount": format(trade.request.amount, "f"),
        "tx_hash": trade.tx_hash,
        "amount_in": execution["amount_in"],
        "amount_out": execution["amount_out"],
        "executed_price": execution["executed_price"],
        "effective_slippage_bps": execution["effective_slippage_bps"],
        "gas_cost_wei": trade.gas_cost_wei,
        "reason": trade.error,
        "at": trade.updated_at.isoformat().replace("+00:00", "Z"),
    }


class TradeNotifier:
    """Publishes trade outcomes to EventBridge and SNS."""

    def __init__(self, event_bus_name: str, topic_arn: str) -> None:
        self._event_bus_name = event_bus_name
        self._topic_arn = topic_arn

    def ended(self, trade: Trade, chain: str, vault: str) -> None:
        """The trade's final status as an event and a notification."""
        detail = trade_event_detail(trade, chain, vault)
        try:
            answer = client("events").put_events(
                Entries=[
                    {
                        "Source": SOURCE,
                        "DetailType": DETAIL_TYPES[trade.status],
                        "Detail": json.dumps(detail),
                        "EventBusName": self._event_bus_name,
                    }
                ]
            )
            if answer.get("FailedEntryCount"):
                raise DependencyUnavailable(f"the event bus refused the event: {answer}", dependency="events")
            self._publish(f"Trade {trade.status.value}", detail)
        except (BotoCoreError, ClientError) as e:
            raise DependencyUnavailable(
                f"could not publish the trade outcome: {e}", dependency="events"
            ) from e

    def awaiting_approval(self, trade: Trade) -> None:
        """A notification that the trade waits for its owner."""
        try:
            self._publish("Trade awaiting approval", {"trade_id": trade.id, "user_id": trade.user_id})
        except (BotoCoreError, ClientError) as e:
            raise DependencyUnavailable(f"could not notify: {e}", dependency="sns") from e

    def _publish(self, subject: str, message: dict[str, Any]) -> None:
        client("sns").publish(
            TopicArn=self._topic_arn,
            Subject=subject,
            Message=json.dumps(message),
            MessageAttributes={"user_id": {"DataType": "String", "StringValue": str(message["user_id"])}},
        )
