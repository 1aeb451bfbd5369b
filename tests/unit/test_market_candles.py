"""Candles: OHLC per interval bucket aligned to start, half-open range, gaps omitted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tradewind.errors import InvalidInput
from tradewind.market import PricePoint, candles

T0 = datetime(2024, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _at(minutes: int, usd: str) -> PricePoint:
    return PricePoint(at=T0 + timedelta(minutes=minutes), usd=Decimal(usd))


def test_ohlc_per_bucket_from_unsorted_points() -> None:
    # Given two hours of points, shuffled
    points = [_at(50, "12"), _at(0, "10"), _at(30, "8"), _at(10, "15"), _at(90, "20"), _at(60, "21")]
    # When bucketed hourly
    result = candles(points, HOUR, T0, T0 + 2 * HOUR)
    # Then each hour opens on its first point, closes on its last, spans its extremes
    assert [(c.start, c.open, c.high, c.low, c.close, c.samples) for c in result] == [
        (T0, Decimal(10), Decimal(15), Decimal(8), Decimal(12), 4),
        (T0 + HOUR, Decimal(21), Decimal(21), Decimal(20), Decimal(20), 2),
    ]


def test_bucket_boundaries_are_half_open() -> None:
    # Given points exactly on start, on a bucket edge, just before it, and exactly on end
    points = [_at(0, "1"), _at(59, "2"), _at(60, "3"), _at(120, "4")]
    # When bucketed hourly over [T0, T0 + 2h)
    result = candles(points, HOUR, T0, T0 + 2 * HOUR)
    # Then the edge point opens the second bucket and the point at end is ignored
    assert [(c.start, c.open, c.close, c.samples) for c in result] == [
        (T0, Decimal(1), Decimal(2), 2),
        (T0 + HOUR, Decimal(3), Decimal(3), 1),
    ]


def test_points_before_start_are_ignored_and_buckets_align_to_start() -> None:
    # Given a start at 00:30 and a point before it
    start = T0 + timedelta(minutes=30)
    points = [_at(10, "99"), _at(40, "5"), _at(95, "6")]
    # When bucketed hourly
    result = candles(points, HOUR, start, start + 3 * HOUR)
    # Then buckets start at 00:30 and 01:30, and the early point is gone
    assert [(c.start, c.close) for c in result] == [(start, Decimal(5)), (start + HOUR, Decimal(6))]


def test_empty_buckets_are_omitted() -> None:
    # Given points in the first and third hour only
    points = [_at(5, "1"), _at(125, "3")]
    # When bucketed hourly
    result = candles(points, HOUR, T0, T0 + 3 * HOUR)
    # Then there is no candle for the second hour
    assert [c.start for c in result] == [T0, T0 + 2 * HOUR]


def test_no_points_give_no_candles() -> None:
    assert candles([], HOUR, T0, T0 + HOUR) == []


@pytest.mark.parametrize(
    ("interval", "end", "field"),
    [(timedelta(0), T0 + HOUR, "interval"), (HOUR, T0, "period")],
)
def test_rejects_empty_interval_or_range(interval: timedelta, end: datetime, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        candles([], interval, T0, end)
    assert caught.value.field == field
