"""The wallets context's data-access port."""

from __future__ import annotations

from typing import Protocol

from tradewind.wallets.models import Wallet


class WalletsRepository(Protocol):
    """Storage for watched wallets; one user watches a chain+address once."""

    def add(self, user_id: str, wallet: Wallet) -> None:
        """Store the wallet; Conflict when the user already watches that address on that chain."""

    def list(self, user_id: str) -> list[Wallet]:
        """The user's wallets, oldest first."""

    def remove(self, user_id: str, wallet_id: str) -> bool:
        """Delete the user's wallet; False when the user has no such wallet."""
