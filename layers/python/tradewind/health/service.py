"""Runs every probe concurrently and reports each dependency's state."""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

from pydantic import BaseModel

from tradewind.errors import DependencyUnavailable
from tradewind.health.probes import Probe


class DependencyHealth(BaseModel):
    """One dependency's state."""

    name: str
    status: Literal["ok", "down"]
    latency_ms: float
    detail: str | None = None


class HealthReport(BaseModel):
    """All dependencies; ``status`` is ``ok`` only when every one is."""

    status: Literal["ok", "down"]
    dependencies: list[DependencyHealth]

    @property
    def failed(self) -> list[str]:
        """Names of the dependencies that are down."""
        return [dep.name for dep in self.dependencies if dep.status == "down"]


def _run(probe: Probe) -> DependencyHealth:
    started = time.perf_counter()
    try:
        probe.check()
    except DependencyUnavailable as e:
        elapsed = (time.perf_counter() - started) * 1000
        return DependencyHealth(name=probe.name, status="down", latency_ms=round(elapsed, 1), detail=e.detail)
    elapsed = (time.perf_counter() - started) * 1000
    return DependencyHealth(name=probe.name, status="ok", latency_ms=round(elapsed, 1))


class HealthService:
    """Checks the dependencies given at construction."""

    def __init__(self, probes: Sequence[Probe]) -> None:
        self._probes = probes

    def check(self) -> HealthReport:
        """Probe everything in parallel; a slow dependency costs its own timeout only once."""
        with ThreadPoolExecutor(max_workers=max(1, len(self._probes))) as pool:
            results = list(pool.map(_run, self._probes))
        status: Literal["ok", "down"] = "ok" if all(r.status == "ok" for r in results) else "down"
        return HealthReport(status=status, dependencies=results)
