"""The executor side of opening a vault: one createVault call through the factory, idempotent per vault id."""

from __future__ import annotations

from collections.abc import Callable

from aws_lambda_powertools.metrics import MetricUnit
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import Web3Exception

from tradewind.chain.sender import TransactionRequest, TransactionSender
from tradewind.chains.registry import Chain, ChainRegistry
from tradewind.deployments.registry import ManifestSource
from tradewind.errors import DependencyUnavailable, NotFound
from tradewind.observability import logger, metrics
from tradewind.vaults.abi import TRADING_VAULT_FACTORY_ABI
from tradewind.vaults.models import DeployVaultCommand, Vault, VaultStatus
from tradewind.vaults.repository import VaultsRepository

_NO_VAULT = "0x" + "0" * 40
_ALREADY_EXISTS = "VaultAlreadyExists(address,bytes32,address)"


class VaultDeployer:
    """Deploys recorded vaults; a retried command finds the vault the first attempt made."""

    def __init__(
        self,
        repository: VaultsRepository,
        chains: ChainRegistry,
        manifests: ManifestSource,
        sender_for: Callable[[Chain], TransactionSender],
    ) -> None:
        self._repository = repository
        self._chains = chains
        self._manifests = manifests
        self._sender_for = sender_for

    def deploy(self, command: DeployVaultCommand) -> Vault:
        """Open the vault on its chain and record the outcome: active with its address, or failed with why."""
        vault = self._repository.get(command.user_id, command.vault_id)
        if vault is None:
            raise NotFound(f"vault {command.vault_id} is not recorded")
        if vault.status is not VaultStatus.DEPLOYING:
            return vault
        chain = self._chains.get(vault.chain)
        manifest = self._manifests.manifest(chain.key)
        if manifest.vault_defaults is None:
            return self._record(
                command, vault, status=VaultStatus.FAILED, error="no vault defaults on this chain"
            )
        sender = self._sender_for(chain)
        factory = sender.client.w3.eth.contract(
            address=Web3.to_checksum_address(manifest.trading_vault_factory), abi=TRADING_VAULT_FACTORY_ABI
        )
        address = self._vault_of(factory, vault)
        tx_hash = None
        if address is None:
            defaults = manifest.vault_defaults
            data = factory.encode_abi(
                "createVault",
                # The service is the guardian too: it may only pause its own operator key.
                args=[
                    vault.owner,
                    sender.address,
                    defaults.max_slippage_bps,
                    defaults.initial_config(),
                    vault.salt,
                ],
            )
            sent = sender.send(
                f"vault:{vault.id}",
                TransactionRequest(to=manifest.trading_vault_factory, data=data),
                abi=TRADING_VAULT_FACTORY_ABI,
            )
            tx_hash = sent.tx_hash
            # VaultAlreadyExists means an earlier attempt of this very vault won: not a failure.
            if sent.status == 0 and (sent.revert is None or sent.revert.error != _ALREADY_EXISTS):
                reason = sent.revert.error or sent.revert.reason if sent.revert else None
                return self._record(command, vault, status=VaultStatus.FAILED, tx_hash=tx_hash, error=reason)
            address = self._vault_of(factory, vault)
            if address is None:
                raise DependencyUnavailable(
                    "the factory reports no vault after createVault", dependency=chain.key
                )
        return self._record(command, vault, status=VaultStatus.ACTIVE, address=address, tx_hash=tx_hash)

    def _vault_of(self, factory: Contract, vault: Vault) -> str | None:
        try:
            address: str = factory.functions.vaultOf(vault.owner, vault.salt).call()
        except Web3Exception as e:
            raise DependencyUnavailable(f"vaultOf failed: {e}", dependency=vault.chain) from e
        return None if address == _NO_VAULT else address

    def _record(self, command: DeployVaultCommand, vault: Vault, **changes: object) -> Vault:
        updated = vault.model_copy(update=changes)
        self._repository.save(command.user_id, updated)
        outcome = "VaultOpened" if updated.status is VaultStatus.ACTIVE else "VaultFailed"
        metrics.add_metric(name=outcome, unit=MetricUnit.Count, value=1)
        logger.info(
            "vault deployment finished",
            extra={"vault_id": vault.id, "status": updated.status.value, "address": updated.address},
        )
        return updated
