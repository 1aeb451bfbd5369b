"""Sending transactions: RPC failover, the KMS signer, fees, nonces and the idempotent sender.

Every module here imports web3 or its libraries; nothing on the API's import path imports this package.
"""
