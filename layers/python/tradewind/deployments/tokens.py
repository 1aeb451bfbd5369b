"""The tokens Tradewind knows on each active chain."""

from __future__ import annotations

from tradewind.chains.registry import ChainRegistry
from tradewind.deployments.manifest import TokenEntry
from tradewind.deployments.registry import ManifestSource
from tradewind.errors import InvalidInput


class TokenService:
    """Lists a chain's tokens from its deployment manifest."""

    def __init__(self, chains: ChainRegistry, manifests: ManifestSource) -> None:
        self._chains = chains
        self._manifests = manifests

    def list(self, chain_key: str) -> tuple[TokenEntry, ...]:
        """The chain's tokens; the chain must be active."""
        if chain_key not in self._chains:
            raise InvalidInput(f"chain '{chain_key}' is not active; see GET /v1/chains", field="chain")
        return self._manifests.manifest(chain_key).tokens
