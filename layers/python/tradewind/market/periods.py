"""The history periods the API offers, and the candle interval each is drawn with."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum


class Period(StrEnum):
    """A look-back window; anything else is a 422 (the API declares this enum as the query type)."""

    DAY = "24h"
    WEEK = "7d"
    MONTH = "30d"

    @property
    def length(self) -> timedelta:
        """How far back the period reaches."""
        return _LENGTHS[self]

    @property
    def interval(self) -> timedelta:
        """The candle and history-point spacing: about a hundred to two hundred points per period."""
        return _INTERVALS[self]

    def window(self, now: datetime) -> tuple[datetime, datetime]:
        """``[start, end)`` ending at the end of the interval that holds ``now``, start aligned to it.

        Aligning to the interval (on the epoch) keeps the buckets of two requests a minute apart
        identical, so clients can cache all but the last one.
        """
        step = self.interval
        epoch = datetime(1970, 1, 1, tzinfo=now.tzinfo)
        end = epoch + ((now - epoch) // step + 1) * step
        return end - self.length, end


_LENGTHS = {Period.DAY: timedelta(hours=24), Period.WEEK: timedelta(days=7), Period.MONTH: timedelta(days=30)}
_INTERVALS = {
    Period.DAY: timedelta(minutes=15),
    Period.WEEK: timedelta(hours=1),
    Period.MONTH: timedelta(hours=4),
}
