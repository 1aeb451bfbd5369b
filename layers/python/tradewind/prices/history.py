"""Price history on the accounts table: one item per recorded price, read back as price points.

Item: ``PRICE#<symbol>`` / ``AT#<time>`` with the USD price and its source, kept for
``PRICE_HISTORY_TTL`` (longer than the longest period the API offers). PynamoDB stays in here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Protocol

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute

from tradewind.market.models import PricePoint
from tradewind.prices.models import Price
from tradewind.storage.accounts_table import AccountsTableItem
from tradewind.storage.dynamodb import translate_errors
from tradewind.storage.keys import time_key

PRICE_HISTORY_TTL = timedelta(days=35)


class PriceHistory(Protocol):
    """Where recorded prices are kept (DynamoDB here, a list in unit tests)."""

    def record(self, prices: Iterable[Price]) -> None:
        """Keep each price at its ``observed_at``."""
        ...

    def points(self, symbol: str, start: datetime, end: datetime) -> list[PricePoint]:
        """The symbol's recorded prices in ``[start, end)``, oldest first."""
        ...


class _PriceItem(AccountsTableItem):
    symbol = UnicodeAttribute()
    usd = UnicodeAttribute()  # a Decimal as text: DynamoDB numbers would round past 38 digits
    source = UnicodeAttribute()
    observed_at = UTCDateTimeAttribute()


def _symbol_key(symbol: str) -> str:
    return f"PRICE#{symbol}"


def _at_key(at: datetime) -> str:
    return f"AT#{time_key(at)}"


class DynamoPriceHistory:
    """PriceHistory on the accounts table."""

    def record(self, prices: Iterable[Price]) -> None:
        with translate_errors(), _PriceItem.batch_write() as batch:
            for price in prices:
                batch.save(
                    _PriceItem(
                        _symbol_key(price.symbol),
                        _at_key(price.observed_at),
                        symbol=price.symbol,
                        usd=str(price.usd),
                        source=price.source,
                        observed_at=price.observed_at,
                        expires_at=int((price.observed_at + PRICE_HISTORY_TTL).timestamp()),
                    )
                )

    def points(self, symbol: str, start: datetime, end: datetime) -> list[PricePoint]:
        with translate_errors():
            items = _PriceItem.query(
                _symbol_key(symbol),
                _PriceItem.sk.between(_at_key(start), _at_key(end)),
                attributes_to_get=["observed_at", "usd"],
            )
            return [
                PricePoint(at=item.observed_at, usd=Decimal(item.usd))
                for item in items
                if item.observed_at < end
            ]
