"""The last good holdings of a chain, served when the chain does not answer."""

from __future__ import annotations

import threading
from typing import Protocol

from tradewind.holdings.models import ChainHoldings


class SnapshotSource(Protocol):
    """Keeps the last fresh read per chain (DynamoDB in production, a dict in tests)."""

    def latest(self, chain_key: str) -> ChainHoldings | None:
        """The last fresh holdings saved for ``chain_key``, or None."""

    def save(self, holdings: ChainHoldings) -> None:
        """Replace the chain's snapshot with a fresh read."""


class InMemorySnapshotSource:
    """SnapshotSource over a dict; safe to share between the reader's threads."""

    def __init__(self) -> None:
        self._snapshots: dict[str, ChainHoldings] = {}
        self._lock = threading.Lock()

    def latest(self, chain_key: str) -> ChainHoldings | None:
        with self._lock:
            return self._snapshots.get(chain_key)

    def save(self, holdings: ChainHoldings) -> None:
        with self._lock:
            self._snapshots[holdings.chain] = holdings
