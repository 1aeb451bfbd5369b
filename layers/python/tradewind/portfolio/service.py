"""The portfolio use case: read every address of a user in one holdings call, price it in one call."""

from __future__ import annotations

from collections.abc import Callable, Container, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from tradewind.holdings.models import ChainHoldings
from tradewind.portfolio.models import ChainValue, Portfolio, Position
from tradewind.portfolio.valuation import Holder, allocation, by_token, positions_of, valued
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
    ) -> None:
        self._wallets = wallets
        self._vaults = vaults
        self._holdings = holdings_reader
        self._prices = prices
        self._clock = clock
        self._chains = chains

    def portfolio(self, user_id: str) -> Portfolio:
        """The user's portfolio now; a chain that does not answer is valued from its snapshot (stale)."""
        holders = self._holders(user_id)
        owners_by_chain: dict[str, list[str]] = {}
        for chain, owner in holders:
            owners_by_chain.setdefault(chain, []).append(owner)
        chains = self._holdings.read(owners_by_chain) if owners_by_chain else []
        unvalued = [p for c in chains for p in positions_of(c, _holders_on(holders, c.chain))]
        symbols = list(dict.fromkeys(p.valued_as for p in unvalued))
        prices = self._prices.prices(symbols, partial=True) if symbols else {}
        positions = [valued(p, prices) for p in unvalued]
        tokens = by_token(positions, prices)
        return Portfolio(
            total_usd=sum((p.usd for p in positions if p.usd is not None), Decimal(0)),
            by_chain={c.chain: _chain_value(c, positions) for c in chains},
            by_token=tokens,
            positions=tuple(positions),
            allocation=allocation({s: t.usd for s, t in tokens.items() if t.usd is not None}),
            unpriced=tuple(symbol for symbol in symbols if symbol not in prices),
            as_of=self._clock(),
        )

    def _holders(self, user_id: str) -> dict[tuple[str, str], Holder]:
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
