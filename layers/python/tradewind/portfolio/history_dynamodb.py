"""Holder value snapshots on the accounts table, kept at each period's resolution.

Item: ``VALUES#<user>#<period>`` / ``AT#<interval start>#<chain>#<address>``: one holder's first
and latest value within one interval of that period (24h: 15 min, 7d: 1 h, 30d: 4 h). Each
refresh updates the current interval's item of every period (``first`` only if it has none), so
a period's history is one query of a bounded size (one item per holder per interval), however
often the sync runs, and a portfolio younger than one interval still shows what changed since
its first refresh. Each item expires a little after its period has passed it by. PynamoDB stays
in here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from pynamodb.attributes import UnicodeAttribute

from tradewind.market.periods import Period
from tradewind.portfolio.history import HolderValue
from tradewind.storage.accounts_table import AccountsTableItem
from tradewind.storage.dynamodb import translate_errors
from tradewind.storage.keys import time_key

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class _ValueItem(AccountsTableItem):
    first = UnicodeAttribute()  # HolderValue as JSON
    last = UnicodeAttribute()


def _user_key(user_id: str, period: Period) -> str:
    return f"VALUES#{user_id}#{period.value}"


def _interval_start(at: datetime, period: Period) -> datetime:
    return _EPOCH + ((at - _EPOCH) // period.interval) * period.interval


def _at_key(at: datetime) -> str:
    return f"AT#{time_key(at)}"


class DynamoValueHistory:
    """The ValueHistory port of the portfolio service on the accounts table."""

    def record(self, user_id: str, values: Iterable[HolderValue]) -> None:
        """Make each value its holder's latest in the current interval of every period (first, if none)."""
        with translate_errors():
            for value in values:
                document = value.model_dump_json()
                for period in Period:
                    interval = _interval_start(value.at, period)
                    item = _ValueItem(
                        _user_key(user_id, period), f"{_at_key(interval)}#{value.chain}#{value.address}"
                    )
                    expires_at = int((interval + period.length + period.interval * 2).timestamp())
                    item.update(
                        actions=[
                            _ValueItem.first.set(_ValueItem.first | document),
                            _ValueItem.last.set(document),
                            _ValueItem.expires_at.set(expires_at),
                        ]
                    )

    def values(self, user_id: str, period: Period, start: datetime, end: datetime) -> list[HolderValue]:
        """The first and latest values kept for ``period`` in ``[start, end)`` and the interval before.

        The interval before carries each holder's value into the period's first instant.
        """
        low = _at_key(_interval_start(start, period) - period.interval)
        with translate_errors():
            items = _ValueItem.query(_user_key(user_id, period), _ValueItem.sk.between(low, _at_key(end)))
            documents = [d for item in items for d in dict.fromkeys((item.first, item.last))]
        return [HolderValue.model_validate_json(document) for document in documents]
