"""The chain executor's composition root: settings and the vault deployer wired to real adapters."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from pydantic import Field

from tradewind.aws.clients import client
from tradewind.chain.kms_signer import KmsSigner
from tradewind.chain.sender import TransactionSender, build_sender
from tradewind.chain.settings import ChainSenderSettings
from tradewind.chains.registry import Chain, ChainRegistry
from tradewind.config import (
    AccountsTableSettings,
    ChainSettings,
    DeploymentsSettings,
    SignerSettings,
    StageSettings,
)
from tradewind.deployments.registry import ParameterManifestSource
from tradewind.storage.accounts_table import bind_accounts_table
from tradewind.vaults.deployment import VaultDeployer
from tradewind.vaults.dynamodb import DynamoVaultsRepository


class ExecutorSettings(
    StageSettings,
    AccountsTableSettings,
    SignerSettings,
    ChainSettings,
    DeploymentsSettings,
    ChainSenderSettings,
):
    """Everything the chain executor function needs."""

    # Powertools idempotency's store: a retried sign or broadcast step gets the first answer.
    idempotency_table: str = Field(min_length=3)


def senders(settings: ExecutorSettings) -> Callable[[Chain], TransactionSender]:
    """One sender per chain, made on first use: the handler builds this once per process, so every
    command it runs shares a chain's nonce counter and RPC pool."""
    signer = KmsSigner(client("kms"), settings.signer_key_id)

    @cache
    def sender_for(chain: Chain) -> TransactionSender:
        return build_sender(chain, signer, settings)

    return sender_for


def build_deployer(
    settings: ExecutorSettings, sender_for: Callable[[Chain], TransactionSender]
) -> VaultDeployer:
    """The vault deployer over the process's senders."""
    bind_accounts_table(settings.accounts_table)
    chains = ChainRegistry.select(settings.active_chains, settings.rpc_urls)
    return VaultDeployer(
        DynamoVaultsRepository(),
        chains,
        ParameterManifestSource(settings.deployments_parameter_path, settings.deployments_cache_s),
        sender_for,
    )
