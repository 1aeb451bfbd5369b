"""Latency design targets, judged the same way in every section: p50 and p99 each against the target."""

from __future__ import annotations


def verdict(p50_ms: float, p99_ms: float, target_ms: float) -> str:
    """``target <= T ms: p50 ... -> MET; p99 ... -> NOT MET``: both, since a good median can hide a tail."""

    def judged(value_ms: float) -> str:
        return "MET" if value_ms <= target_ms else "NOT MET"

    return (
        f"target <= {target_ms:.0f} ms: p50 {p50_ms:.2f} ms -> {judged(p50_ms)}; "
        f"p99 {p99_ms:.2f} ms -> {judged(p99_ms)}"
    )
