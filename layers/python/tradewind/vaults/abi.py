"""The parts of TradingVaultFactory's ABI the executor uses; a test checks them against forge's artifact."""

from __future__ import annotations

from typing import Any

_TOKEN_CONFIG = {
    "name": "tokenConfigs",
    "type": "tuple[]",
    "components": [
        {"name": "allowed", "type": "bool"},
        {"name": "maxPerTrade", "type": "uint128"},
        {"name": "maxPerDay", "type": "uint128"},
        {"name": "signatureThreshold", "type": "uint128"},
    ],
}
_INITIAL_CONFIG = {
    "name": "config",
    "type": "tuple",
    "components": [
        {"name": "routers", "type": "address[]"},
        {"name": "tokens", "type": "address[]"},
        _TOKEN_CONFIG,
        {"name": "yieldVaults", "type": "address[]"},
    ],
}

TRADING_VAULT_FACTORY_ABI: list[dict[str, Any]] = [
    {
        "type": "function",
        "name": "createVault",
        "stateMutability": "nonpayable",
        "inputs": [
            {"name": "owner", "type": "address"},
            {"name": "guardian", "type": "address"},
            {"name": "maxSlippageBps", "type": "uint256"},
            _INITIAL_CONFIG,
            {"name": "salt", "type": "bytes32"},
        ],
        "outputs": [{"name": "vault", "type": "address"}],
    },
    {
        "type": "function",
        "name": "vaultOf",
        "stateMutability": "view",
        "inputs": [{"name": "owner", "type": "address"}, {"name": "salt", "type": "bytes32"}],
        "outputs": [{"name": "", "type": "address"}],
    },
    {
        "type": "error",
        "name": "VaultAlreadyExists",
        "inputs": [
            {"name": "owner", "type": "address"},
            {"name": "salt", "type": "bytes32"},
            {"name": "vault", "type": "address"},
        ],
    },
    {"type": "error", "name": "NotFactoryOperator", "inputs": [{"name": "caller", "type": "address"}]},
    {
        "type": "error",
        "name": "ConfigLengthMismatch",
        "inputs": [{"name": "tokens", "type": "uint256"}, {"name": "tokenConfigs", "type": "uint256"}],
    },
    {"type": "error", "name": "ZeroAddress", "inputs": []},
    {"type": "error", "name": "SlippageBpsOutOfRange", "inputs": [{"name": "bps", "type": "uint256"}]},
]
