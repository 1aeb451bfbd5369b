"""Sending transactions: RPC failover, the KMS signer, fees, nonces and the idempotent sender.

Every module here but ``settings`` imports web3 or its libraries; the API's import path reads
only ``settings`` (the RPC pool's settings, which the price service shares).
"""
