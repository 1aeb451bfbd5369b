"""The scheduled sync: one message per watched wallet and active vault, each refreshed on its own.

The planner runs on a schedule and enqueues a ``SyncRequest`` per holder; the sync function
(``HolderSync``) first scans the holder's new Transfer logs for tokens the manifest does not
list, then refreshes it (``PortfolioService.sync_holder``), which saves the holdings snapshot
that ``GET /v1/portfolio`` is served from and records the holder's value for history. One
message per holder keeps a failure (a chain down) to that holder's message, which SQS
redelivers.
"""

from __future__ import annotations

import itertools
from collections.abc import Container, Iterable, Iterator, Sequence
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

from tradewind.portfolio.history import HolderValue
from tradewind.vaults.models import Vault, VaultStatus
from tradewind.wallets.models import Wallet


class SyncRequest(BaseModel):
    """Refresh one holder of one user (the body of one queue message)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    user_id: str
    chain: str
    address: str
    holder_kind: Literal["wallet", "vault"]
    holder_id: str


class HolderDirectory(Protocol):
    """Every user's wallets and vaults (a scan of the repositories)."""

    def wallets(self) -> Iterable[tuple[str, Wallet]]:
        """(user id, wallet) for every watched wallet."""
        ...

    def vaults(self) -> Iterable[tuple[str, Vault]]:
        """(user id, vault) for every vault record."""
        ...


class SyncQueue(Protocol):
    """Where sync requests go (SQS)."""

    def send(self, requests: Sequence[SyncRequest]) -> None:
        """Enqueue every request; raises DependencyUnavailable if any could not be sent."""
        ...


class TokenDiscoverer(Protocol):
    """Finds the tokens an owner received that the manifest does not list (TokenDiscovery)."""

    def discover(self, chain_key: str, owner: str) -> Sequence[object]:
        """Scan the owner's new Transfer logs and store what they reveal."""
        ...


class HolderRefresher(Protocol):
    """Reads one holder now and records its value (PortfolioService)."""

    def sync_holder(self, user_id: str, chain: str, address: str) -> HolderValue | None:
        """The holder's recorded value; None when the user no longer holds it."""
        ...


class HolderSync:
    """What the sync function does with one message: discover the holder's tokens, then refresh it."""

    def __init__(self, discovery: TokenDiscoverer, portfolio: HolderRefresher) -> None:
        self._discovery = discovery
        self._portfolio = portfolio

    def sync(self, request: SyncRequest) -> HolderValue | None:
        """Discovery first, so that the refresh reads the tokens it found; either failing raises."""
        self._discovery.discover(request.chain, request.address)
        return self._portfolio.sync_holder(request.user_id, request.chain, request.address)


def sync_requests(directory: HolderDirectory, chains: Container[str]) -> Iterator[SyncRequest]:
    """A request per watched wallet and per active vault on an active chain."""
    # Streamed, not listed: the scans page through every user's items.
    holders = itertools.chain(
        ((user_id, "wallet", w.chain, w.address, w.id) for user_id, w in directory.wallets()),
        (
            (user_id, "vault", v.chain, v.address, v.id)
            for user_id, v in directory.vaults()
            if v.status is VaultStatus.ACTIVE and v.address
        ),
    )
    for user_id, kind, chain, address, holder_id in holders:
        if chain in chains:
            yield SyncRequest(
                user_id=user_id, chain=chain, address=address, holder_kind=kind, holder_id=holder_id
            )


def plan_sync(directory: HolderDirectory, chains: Container[str], queue: SyncQueue, batch: int) -> int:
    """Enqueue a sync request per holder, ``batch`` at a time; returns how many were sent."""
    pending: list[SyncRequest] = []
    sent = 0
    for request in sync_requests(directory, chains):
        pending.append(request)
        if len(pending) == batch:
            queue.send(pending)
            sent, pending = sent + len(pending), []
    if pending:
        queue.send(pending)
        sent += len(pending)
    return sent
