"""The portfolio use cases: value a user's addresses now, refresh them, and read their history.

A portfolio is read in one holdings call and priced in one price call. Chains whose holdings
snapshots are younger than ``max_age_s`` are served from them (the scheduled sync keeps them
fresh); the others are read from the chain, and every fresh read is recorded as value history.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from tradewind.errors import DependencyUnavailable
from tradewind.holdings.models import ChainHoldings
from tradewind.holdings.snapshots import SnapshotSource
from tradewind.market.periods import Period
from tradewind.portfolio.history import (
    HolderKey,
    HolderValue,
    Performance,
    PortfolioHistory,
    history,
    holder_values,
    performance,
)
from tradewind.portfolio.models import ChainValue, Portfolio, Position
from tradewind.portfolio.valuation import Holder, allocation, by_kind, by_token, positions_of, valued
from tradewind.prices.service import PriceService
from tradewind.vaults.models import Vault, VaultStatus
from tradewind.wallets.addresses import validate_address
from tradewind.wallets.models import Wallet


class WalletLister(Protocol):
    """The user's watched wallets (WalletService)."""

    def list(self, user_id: str) -> list[Wallet]:
        """The user's wallets."""
        ...


class VaultLister(Protocol):
    """The user's vault records (the vaults repository: no on-chain state read per vault)."""

    def list(self, user_id: str) -> list[Vault]:
        """The user's vaults."""
        ...


class HoldingsPort(Protocol):
    """Reads holdings per chain (HoldingsReader), falling back to snapshots per chain."""

    def read(self, owners_by_chain: Mapping[str, Sequence[str]]) -> list[ChainHoldings]:
        """One ChainHoldings per chain asked."""
        ...


class ValueHistory(Protocol):
    """Where holder values are kept per period (DynamoValueHistory)."""

    def record(self, user_id: str, values: Sequence[HolderValue]) -> None:
        """Keep each value as its holder's latest."""
        ...

    def values(self, user_id: str, period: Period, start: datetime, end: datetime) -> list[HolderValue]:
        """The values kept for ``period`` in ``[start, end)`` and the interval before."""
        ...


class PortfolioService:
    """Values a user's watched wallets and active vaults on the active chains."""

    def __init__(
        self,
        wallets: WalletLister,
        vaults: VaultLister,
        holdings_reader: HoldingsPort,
        prices: PriceService,
        clock: Callable[[], datetime],
        *,
        chains: Container[str],
        snapshots: SnapshotSource,
        history: ValueHistory,
        max_age_s: float,
    ) -> None:
        self._wallets = wallets
        self._vaults = vaults
        self._holdings = holdings_reader
        self._prices = prices
        self._clock = clock
        self._chains = chains
        self._snapshots = snapshots
        self._history = history
        self._max_age_s = max_age_s

    def portfolio(self, user_id: str) -> Portfolio:
        """The user's portfolio, from snapshots younger than ``max_age_s``, else read now.

        A chain that does not answer is valued from its last snapshot, marked stale with its age.
        """
        return self._portfolio(user_id, self._holders(user_id), self._max_age_s)

    def refresh(self, user_id: str) -> Portfolio:
        """The user's portfolio read from every chain now (a chain that does not answer stays stale)."""
        return self._portfolio(user_id, self._holders(user_id), max_age_s=0)

    def sync_holder(self, user_id: str, chain: str, address: str) -> HolderValue | None:
        """Read one holder now and record its value: what the scheduled sync does per message.

        None when the user no longer holds that address on that chain (nothing to sync). Raises
        DependencyUnavailable when the chain does not answer, so that the message is retried.
        """
        key = (chain, validate_address(address))
        holders = {k: h for k, h in self._holders(user_id).items() if k == key}
        if not holders:
            return None
        portfolio = self._portfolio(user_id, holders, max_age_s=0)
        chain_value = portfolio.by_chain[chain]
        if chain_value.status != "fresh":
            raise DependencyUnavailable(f"{chain} did not answer", dependency=f"chain:{chain}")
        return holder_values(portfolio, holders, [chain])[0]

    def history(self, user_id: str, period: Period) -> PortfolioHistory:
        """The value of the user's current holders over ``period``, one point per interval."""
        now = self._clock()
        start, end = period.window(now)
        values = self._history.values(user_id, period, start, end)
        return history(values, self._holders(user_id).keys(), period, now)

    def performance(self, user_id: str, period: Period) -> Performance:
        """The change in value over ``period``, split into market movement and flows, per token."""
        now = self._clock()
        _, end = period.window(now)
        values = self._history.values(user_id, period, now - period.length, end)
        return performance(values, self._holders(user_id).keys(), period, now)

    def _portfolio(self, user_id: str, holders: Mapping[HolderKey, Holder], max_age_s: float) -> Portfolio:
        owners_by_chain: dict[str, list[str]] = {}
        for chain, owner in holders:
            owners_by_chain.setdefault(chain, []).append(owner)
        cached = self._young_snapshots(owners_by_chain, max_age_s)
        to_read = {chain: owners for chain, owners in owners_by_chain.items() if chain not in cached}
        read = {c.chain: c for c in self._holdings.read(to_read)} if to_read else {}
        chains = [cached.get(chain) or read[chain] for chain in owners_by_chain]
        portfolio = self._valued(chains, holders)
        read_now = [chain for chain, holdings in read.items() if holdings.status == "fresh"]
        if read_now:
            self._history.record(user_id, holder_values(portfolio, holders, read_now))
        return portfolio

    def _young_snapshots(
        self, owners_by_chain: Mapping[str, Sequence[str]], max_age_s: float
    ) -> dict[str, ChainHoldings]:
        """The chains whose every owner has a snapshot, the oldest no older than ``max_age_s``."""
        if max_age_s <= 0 or not owners_by_chain:
            return {}
        now = self._clock()
        young: dict[str, ChainHoldings] = {}
        for chain, snapshot in self._snapshots.of_owners(owners_by_chain).items():
            if snapshot.read_at is None or set(owners_by_chain[chain]) - set(snapshot.owners):
                continue
            age_s = max(0.0, (now - snapshot.read_at).total_seconds())
            if age_s <= max_age_s:
                young[chain] = snapshot.model_copy(update={"age_s": age_s})
        return young

    def _valued(self, chains: Sequence[ChainHoldings], holders: Mapping[HolderKey, Holder]) -> Portfolio:
        unvalued = [p for c in chains for p in positions_of(c, _holders_on(holders, c.chain))]
        symbols = list(dict.fromkeys(p.valued_as for p in unvalued))
        prices = self._prices.prices(symbols, partial=True) if symbols else {}
        positions = [valued(p, prices) for p in unvalued]
        tokens = by_token(positions, prices)
        return Portfolio(
            total_usd=sum((p.usd for p in positions if p.usd is not None), Decimal(0)),
            by_chain={c.chain: _chain_value(c, positions) for c in chains},
            by_token=tokens,
            by_kind=by_kind(positions),
            positions=tuple(positions),
            allocation=allocation({s: t.usd for s, t in tokens.items() if t.usd is not None}),
            unpriced=tuple(symbol for symbol in symbols if symbol not in prices),
            as_of=self._clock(),
        )

    def _holders(self, user_id: str) -> dict[HolderKey, Holder]:
        """(chain, checksummed address) -> holder: the user's wallets and active vaults on active chains."""
        holders: dict[tuple[str, str], Holder] = {}
        for wallet in self._wallets.list(user_id):
            if wallet.chain in self._chains:
                holders[(wallet.chain, validate_address(wallet.address))] = Holder("wallet", wallet.id)
        for vault in self._vaults.list(user_id):
            if vault.status is VaultStatus.ACTIVE and vault.address and vault.chain in self._chains:
                holders[(vault.chain, validate_address(vault.address))] = Holder("vault", vault.id)
        return holders


def _holders_on(holders: Mapping[tuple[str, str], Holder], chain: str) -> dict[str, Holder]:
    return {owner: holder for (key, owner), holder in holders.items() if key == chain}


def _chain_value(chain: ChainHoldings, positions: Sequence[Position]) -> ChainValue:
    return ChainValue(
        usd=sum((p.usd for p in positions if p.chain == chain.chain and p.usd is not None), Decimal(0)),
        age_s=chain.age_s,
        stale=chain.stale,
        status=chain.status,
        missing_owners=chain.missing_owners,
    )
