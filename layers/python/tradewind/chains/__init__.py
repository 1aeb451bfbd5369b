"""Chains Tradewind knows: the registry and the JSON-RPC probe used by health checks."""
