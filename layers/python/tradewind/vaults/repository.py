"""The vaults context's data-access port."""

from __future__ import annotations

from typing import Protocol

from tradewind.vaults.models import Vault


class VaultsRepository(Protocol):
    """Storage for vault records."""

    def add(self, user_id: str, vault: Vault) -> None:
        """Store a new vault record."""

    def get(self, user_id: str, vault_id: str) -> Vault | None:
        """One of the user's vaults."""

    def list(self, user_id: str) -> list[Vault]:
        """The user's vaults, oldest first."""

    def save(self, user_id: str, vault: Vault) -> None:
        """Replace a vault record (status, address, transaction)."""
