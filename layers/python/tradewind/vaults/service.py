"""The vaults use cases on the API side: open a vault (through the executor), show vaults and state."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime

from tradewind.chains.registry import ChainRegistry
from tradewind.deployments.registry import ManifestSource
from tradewind.errors import InvalidInput, NotFound
from tradewind.vaults.dispatch import CommandDispatcher
from tradewind.vaults.models import DeployVaultCommand, Vault, VaultStatus, VaultView
from tradewind.vaults.onchain import VaultStateReader
from tradewind.vaults.repository import VaultsRepository
from tradewind.wallets.addresses import validate_address


class VaultService:
    """Opens trading vaults for users and reads them back from their chains."""

    def __init__(
        self,
        repository: VaultsRepository,
        *,
        chains: ChainRegistry,
        manifests: ManifestSource,
        dispatcher: CommandDispatcher,
        reader: VaultStateReader,
        clock: Callable[[], datetime],
    ) -> None:
        self._repository = repository
        self._chains = chains
        self._manifests = manifests
        self._dispatcher = dispatcher
        self._reader = reader
        self._clock = clock

    def open(self, user_id: str, chain: str, owner: str) -> VaultView:
        """Record a vault and have the executor deploy it; ``owner`` is the user's own address."""
        if chain not in self._chains:
            raise InvalidInput(f"chain '{chain}' is not active; see GET /v1/chains", field="chain")
        checksummed = validate_address(owner, field="owner")
        if self._manifests.manifest(chain).vault_defaults is None:
            raise InvalidInput(f"vaults cannot be opened on chain '{chain}'", field="chain")
        vault = Vault(
            id=uuid.uuid4().hex,
            chain=chain,
            owner=checksummed,
            status=VaultStatus.DEPLOYING,
            created_at=self._clock(),
        )
        self._repository.add(user_id, vault)
        self._dispatcher.dispatch(
            DeployVaultCommand(user_id=user_id, vault_id=vault.id, chain=chain, owner=checksummed)
        )
        return self.get(user_id, vault.id)

    def get(self, user_id: str, vault_id: str) -> VaultView:
        """One of the user's vaults, with its on-chain state once active."""
        vault = self._repository.get(user_id, vault_id)
        if vault is None:
            raise NotFound("vault not found")
        return self._view(vault)

    def list(self, user_id: str) -> list[VaultView]:
        """The user's vaults, each with its on-chain state once active."""
        return [self._view(vault) for vault in self._repository.list(user_id)]

    def _view(self, vault: Vault) -> VaultView:
        if vault.status is not VaultStatus.ACTIVE or vault.address is None or vault.chain not in self._chains:
            return VaultView.model_validate({**vault.model_dump(), "state": None})
        state = self._reader.read(
            self._chains.get(vault.chain), self._manifests.manifest(vault.chain), vault.address
        )
        return VaultView.model_validate({**vault.model_dump(), "state": state})
