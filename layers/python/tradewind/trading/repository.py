"""The trades repository port (DynamoDB in production, in memory in unit tests)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from tradewind.trading.models import Trade, TradeStatus


class TradesRepository(Protocol):
    """Trades with their Idempotency-Key claims; every change is conditional on what was read."""

    def create(self, trade: Trade, idempotency_key: str, now: datetime) -> tuple[Trade, bool]:
        """(trade, True) when recorded; (the key's first trade, False) for a retry of the key."""
        ...

    def get(self, user_id: str, trade_id: str) -> Trade | None:
        """The trade, or None."""
        ...

    def list(self, user_id: str, limit: int, before: str | None = None) -> list[Trade]:
        """Newest first."""
        ...

    def annotate(
        self, user_id: str, trade_id: str, while_in: frozenset[TradeStatus], **updates: Any
    ) -> Trade:
        """Set fields without moving the trade, while it is in ``while_in``."""
        ...

    def transition(
        self,
        user_id: str,
        trade_id: str,
        to: TradeStatus,
        at: datetime,
        detail: str | None = None,
        **updates: Any,
    ) -> Trade:
        """Move the trade to ``to``; already there is a no-op, an impossible move a Conflict."""
        ...
