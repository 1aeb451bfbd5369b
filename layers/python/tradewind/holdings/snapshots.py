"""The last good holdings of each owner on each chain: served when a chain does not answer, and
by the portfolio while they are young enough."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from tradewind.holdings.models import ChainHoldings, OwnerHoldings


class SnapshotSource(Protocol):
    """Keeps each owner's last fresh read per chain (DynamoDB in production, a dict in tests)."""

    def of_owners(self, owners_by_chain: Mapping[str, Sequence[str]]) -> dict[str, ChainHoldings]:
        """Per chain, the snapshots of the asked owners that have one, as one read.

        A chain none of whose owners has a snapshot is left out. ``owners`` lists the owners
        found, the block and time are the oldest one's, and ``age_s`` is 0 for the caller to set.
        """
        ...

    def save(self, holdings: ChainHoldings) -> None:
        """Replace the snapshot of every owner in a fresh read."""
        ...


@dataclass(frozen=True)
class OwnerSnapshot:
    """One owner's holdings on one chain, and the block and time they were read at."""

    holdings: OwnerHoldings
    block_number: int
    read_at: datetime


def merged(
    owners_by_chain: Mapping[str, Sequence[str]], found: Mapping[tuple[str, str], OwnerSnapshot]
) -> dict[str, ChainHoldings]:
    """Per chain, the found snapshots (keyed by chain and owner) of its owners as one read dated by
    the oldest; a chain with none is left out."""
    merged: dict[str, ChainHoldings] = {}
    for chain, owners in owners_by_chain.items():
        snapshots = [found[(chain, owner)] for owner in dict.fromkeys(owners) if (chain, owner) in found]
        if not snapshots:
            continue
        oldest = min(snapshots, key=lambda snapshot: snapshot.read_at)
        merged[chain] = ChainHoldings(
            chain=chain,
            owners=tuple(snapshot.holdings.owner for snapshot in snapshots),
            holdings=tuple(snapshot.holdings for snapshot in snapshots),
            status="fresh",
            block_number=oldest.block_number,
            read_at=oldest.read_at,
            age_s=0.0,
        )
    return merged


def owner_snapshots(holdings: ChainHoldings) -> list[OwnerSnapshot]:
    """A fresh read as the owner snapshots to save; none for a read that is not fresh."""
    if holdings.status != "fresh" or holdings.block_number is None or holdings.read_at is None:
        return []
    return [OwnerSnapshot(owner, holdings.block_number, holdings.read_at) for owner in holdings.holdings]


class InMemorySnapshotSource:
    """SnapshotSource over a dict; safe to share between the reader's threads."""

    def __init__(self) -> None:
        self._snapshots: dict[tuple[str, str], OwnerSnapshot] = {}
        self._lock = threading.Lock()

    def of_owners(self, owners_by_chain: Mapping[str, Sequence[str]]) -> dict[str, ChainHoldings]:
        with self._lock:
            return merged(owners_by_chain, self._snapshots)

    def save(self, holdings: ChainHoldings) -> None:
        with self._lock:
            for snapshot in owner_snapshots(holdings):
                self._snapshots[(holdings.chain, snapshot.holdings.owner)] = snapshot
