"""The wallets use cases."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from tradewind.chains.registry import ChainRegistry
from tradewind.errors import InvalidInput, NotFound
from tradewind.wallets.addresses import validate_address
from tradewind.wallets.models import Wallet
from tradewind.wallets.repository import WalletsRepository


def wallet_id(chain: str, address: str) -> str:
    """A stable id for a chain+address: the same wallet always has the same id in a user's list."""
    return hashlib.sha256(f"{chain}:{address.lower()}".encode()).hexdigest()[:32]


class WalletService:
    """Adds, lists and removes a user's watched wallets on the active chains."""

    def __init__(
        self, repository: WalletsRepository, chains: ChainRegistry, clock: Callable[[], datetime]
    ) -> None:
        self._repository = repository
        self._chains = chains
        self._clock = clock

    def add(self, user_id: str, chain: str, address: str, label: str) -> Wallet:
        """Watch an address on an active chain."""
        if chain not in self._chains:
            raise InvalidInput(f"chain '{chain}' is not active; see GET /v1/chains", field="chain")
        checksummed = validate_address(address)
        wallet = Wallet(
            id=wallet_id(chain, checksummed),
            chain=chain,
            address=checksummed,
            label=label,
            created_at=self._clock(),
        )
        self._repository.add(user_id, wallet)
        return wallet

    def list(self, user_id: str) -> list[Wallet]:
        """The user's wallets."""
        return self._repository.list(user_id)

    def remove(self, user_id: str, wallet_id: str) -> None:
        """Stop watching; NotFound for a wallet that is not the user's."""
        if not self._repository.remove(user_id, wallet_id):
            raise NotFound("wallet not found")
