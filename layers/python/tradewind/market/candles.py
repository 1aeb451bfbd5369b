"""Bucketing price points into OHLC candles."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from tradewind.errors import InvalidInput
from tradewind.market.models import Candle, PricePoint


def candles(
    points: Iterable[PricePoint], interval: timedelta, start: datetime, end: datetime
) -> list[Candle]:
    """OHLC candles of ``interval`` aligned to ``start``, over points in ``[start, end)``, oldest first.

    Buckets with no points are omitted rather than filled (a flat candle would invent a price), so
    consecutive candles may be more than one interval apart. Input order does not matter; points at
    the same instant keep their input order when choosing open and close. The last bucket may be
    cut short by ``end``.
    """
    if interval <= timedelta(0):
        raise InvalidInput("interval must be positive", field="interval")
    if end <= start:
        raise InvalidInput("end must be after start", field="period")

    buckets: dict[int, list[PricePoint]] = {}
    for point in sorted((p for p in points if start <= p.at < end), key=lambda p: p.at):
        buckets.setdefault((point.at - start) // interval, []).append(point)

    return [
        Candle(
            start=start + index * interval,
            open=bucket[0].usd,
            high=max(p.usd for p in bucket),
            low=min(p.usd for p in bucket),
            close=bucket[-1].usd,
            samples=len(bucket),
        )
        for index, bucket in sorted(buckets.items())
    ]
