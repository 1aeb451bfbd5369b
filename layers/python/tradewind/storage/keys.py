"""Sort keys that order by time: fixed-width UTC timestamps compare as strings in time order."""

from __future__ import annotations

from datetime import UTC, datetime


def time_key(at: datetime) -> str:
    """``2026-11-25T14:19:05.123456Z``: microsecond precision, always the same width."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
