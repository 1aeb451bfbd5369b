"""What a user traded lately, from their recorded trades: the daily limit's input."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from tradewind.trading.models import TradeStatus
from tradewind.trading.repository import TradesRepository

# Statuses whose sale happened or may still happen: a trade being signed counts against the limit.
_COUNTED = frozenset({TradeStatus.SIGNING, TradeStatus.SUBMITTED, TradeStatus.CONFIRMED})
# Trades read back per check: more than a day's worth for anyone this limit applies to.
_RECENT_TRADES = 200


class RecordedVolume:
    """RecentVolume over the trades repository: the USD value the analysis gave each counted trade."""

    def __init__(self, trades: TradesRepository) -> None:
        self._trades = trades

    def usd_sold_since(self, user_id: str, since: datetime) -> Decimal:
        """USD of the user's trades created since ``since`` that were signed, sent or confirmed."""
        total = Decimal(0)
        for trade in self._trades.list(user_id, _RECENT_TRADES):
            if trade.created_at < since:
                break
            if trade.status in _COUNTED and trade.quote is not None:
                total += Decimal(str(trade.quote.get("usd_value", 0)))
        return total
