"""The chain registry: selection, RPC overrides and configuration errors."""

from __future__ import annotations

import pytest

from tradewind.chains.registry import KNOWN_CHAINS, ChainRegistry
from tradewind.errors import InvalidInput, NotFound


def test_registry_holds_the_production_chains_and_the_local_pair() -> None:
    by_key = {chain.key: chain for chain in KNOWN_CHAINS}
    assert {"ethereum", "arbitrum", "optimism", "base", "polygon", "local-l1", "local-l2"} <= by_key.keys()
    assert len({chain.chain_id for chain in KNOWN_CHAINS}) == len(KNOWN_CHAINS)
    assert by_key["local-l1"].chain_id != by_key["local-l2"].chain_id


def test_selection_keeps_configuration_order_and_applies_rpc_overrides() -> None:
    registry = ChainRegistry.select(
        ["local-l2", "ethereum"], {"ethereum": ["http://10.0.0.1:8545", "http://10.0.0.2:8545"]}
    )
    assert [chain.key for chain in registry] == ["local-l2", "ethereum"]
    assert [str(url) for url in registry.get("ethereum").rpc_urls] == [
        "http://10.0.0.1:8545/",
        "http://10.0.0.2:8545/",
    ]
    assert "arbitrum" not in registry
    with pytest.raises(NotFound):
        registry.get("arbitrum")


def test_unknown_keys_are_configuration_errors() -> None:
    with pytest.raises(InvalidInput, match="solana"):
        ChainRegistry.select(["ethereum", "solana"])
    with pytest.raises(InvalidInput, match="fantom"):
        ChainRegistry.select(["ethereum"], {"fantom": ["http://127.0.0.1:1"]})
