"""One probe per dependency; a probe raises DependencyUnavailable when its dependency is unusable."""

from __future__ import annotations

from typing import Protocol

from botocore.exceptions import BotoCoreError, ClientError

from tradewind.aws.clients import client
from tradewind.chains.registry import Chain
from tradewind.chains.rpc import probe_chain_id
from tradewind.errors import DependencyUnavailable


class Probe(Protocol):
    """Checks one dependency."""

    name: str

    def check(self) -> None:
        """Return when usable; raise DependencyUnavailable otherwise."""


class DynamoTableProbe:
    """The table exists and is ACTIVE."""

    def __init__(self, table_name: str) -> None:
        self.name = "dynamodb"
        self._table_name = table_name

    def check(self) -> None:
        try:
            status = client("dynamodb").describe_table(TableName=self._table_name)["Table"]["TableStatus"]
        except (BotoCoreError, ClientError) as e:
            raise DependencyUnavailable(f"table {self._table_name}: {e}", dependency=self.name) from e
        if status != "ACTIVE":
            raise DependencyUnavailable(f"table {self._table_name} is {status}", dependency=self.name)


class KmsKeyProbe:
    """The signer key exists, is enabled and is a secp256k1 signing key."""

    def __init__(self, key_id: str) -> None:
        self.name = "kms"
        self._key_id = key_id

    def check(self) -> None:
        try:
            key = client("kms").describe_key(KeyId=self._key_id)["KeyMetadata"]
        except (BotoCoreError, ClientError) as e:
            raise DependencyUnavailable(f"key {self._key_id}: {e}", dependency=self.name) from e
        spec = key.get("KeySpec") or key.get("CustomerMasterKeySpec")
        if not key.get("Enabled") or spec != "ECC_SECG_P256K1":
            raise DependencyUnavailable(
                f"key {self._key_id} is disabled or not secp256k1", dependency=self.name
            )


class ChainProbe:
    """An RPC URL of the chain answers with the chain id the registry expects."""

    def __init__(self, chain: Chain, timeout_s: float) -> None:
        self.name = f"chain:{chain.key}"
        self._chain = chain
        self._timeout_s = timeout_s

    def check(self) -> None:
        try:
            chain_id = probe_chain_id(self._chain, self._timeout_s)
        except DependencyUnavailable as e:
            raise DependencyUnavailable(e.detail, dependency=self.name) from e
        if chain_id != self._chain.chain_id:
            raise DependencyUnavailable(
                f"RPC reports chain id {chain_id}, expected {self._chain.chain_id}", dependency=self.name
            )
