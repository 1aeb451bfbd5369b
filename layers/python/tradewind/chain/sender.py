"""Idempotent transaction sending: sign once per logical id, persist, broadcast, wait, replace if stuck."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from hexbytes import HexBytes
from pydantic import BaseModel, ConfigDict, Field
from web3.types import TxParams

from tradewind.chain.client import ChainClient, Receipt, connect
from tradewind.chain.errors import FeeCapExceeded, TransactionNotConfirmed, TransactionRejected
from tradewind.chain.fees import FeeEstimator, Fees
from tradewind.chain.nonces import NonceManager
from tradewind.chain.records import TransactionRecord, TransactionStore
from tradewind.chain.reverts import RevertInfo, decode_revert
from tradewind.chain.settings import ChainSenderSettings, FeeSettings, SenderSettings
from tradewind.chain.table import bind_chain_table
from tradewind.chains.registry import Chain
from tradewind.errors import Conflict
from tradewind.storage.dynamodb import ConditionFailed


class TransactionSigner(Protocol):
    """Signs for one address: the KMS key in the service, a local key in benchmarks."""

    @property
    def address(self) -> str:
        """The checksummed address the signatures recover to."""

    def sign_transaction(self, tx: dict[str, Any]) -> bytes:
        """The raw signed EIP-1559 transaction."""


class TransactionRequest(BaseModel):
    """What to send; ``to`` None deploys ``data`` as a contract; ``gas`` None is estimated."""

    model_config = ConfigDict(frozen=True)

    to: str | None = Field(default=None, pattern=r"^0x[0-9a-fA-F]{40}$")
    value: int = Field(default=0, ge=0)
    data: str = Field(default="0x", pattern=r"^0x([0-9a-fA-F]{2})*$")
    gas: int | None = Field(default=None, gt=0)


class SentTransaction(BaseModel):
    """The mined, confirmed outcome of a logical send."""

    model_config = ConfigDict(frozen=True)

    logical_id: str
    tx_hash: str
    nonce: int
    block_number: int
    status: int
    gas_used: int
    effective_gas_price: int
    replacements: int
    revert: RevertInfo | None = None


class TransactionSender:
    """Sends transactions from one KMS signer on one chain."""

    def __init__(
        self,
        client: ChainClient,
        signer: TransactionSigner,
        nonces: NonceManager,
        fees: FeeEstimator,
        *,
        store: TransactionStore,
        settings: SenderSettings,
        fee_settings: FeeSettings,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._signer = signer
        self._nonces = nonces
        self._fees = fees
        self._store = store
        self._settings = settings
        self._fee_cap = fee_settings.max_fee_per_gas_wei
        self._clock = clock
        self._sleep = sleep

    @property
    def client(self) -> ChainClient:
        """The chain client this sender broadcasts through (for reads around a send)."""
        return self._client

    @property
    def address(self) -> str:
        """The address transactions are sent from."""
        return self._signer.address

    def send(
        self, logical_id: str, request: TransactionRequest, abi: Sequence[Mapping[str, Any]] | None = None
    ) -> SentTransaction:
        """Send once per logical id and return the confirmed outcome; a retry never signs again."""
        record = self._store.get(logical_id)
        fresh = record is None
        if record is None:
            record = self._sign_new(logical_id, request)
        self._broadcast(record, fresh=fresh)
        record, receipt = self._confirmed(record)
        revert = None
        if receipt.status == 0:
            data = self._client.revert_data(
                _call_params(self._signer.address, record.tx), receipt.block_number
            )
            revert = decode_revert(data or b"", abi)
        return SentTransaction(
            logical_id=logical_id,
            tx_hash=receipt.tx_hash,
            nonce=record.nonce,
            block_number=receipt.block_number,
            status=receipt.status,
            gas_used=receipt.gas_used,
            effective_gas_price=receipt.effective_gas_price,
            replacements=len(record.tx_hashes) - 1,
            revert=revert,
        )

    def _sign_new(self, logical_id: str, request: TransactionRequest) -> TransactionRecord:
        """Estimate first (a failure costs no nonce), then reserve, sign and persist."""
        fees = self._fees.estimate()
        base: dict[str, Any] = {"value": request.value, "data": request.data}
        if request.to is not None:
            base["to"] = to_checksum_address(request.to)
        gas = request.gas or self._client.estimate_gas(_call_params(self._signer.address, base))
        nonce = self._nonces.reserve()
        tx = {
            **base,
            "type": 2,
            "chainId": self._client.chain.chain_id,
            "nonce": nonce,
            "gas": gas,
            "maxFeePerGas": fees.max_fee_per_gas,
            "maxPriorityFeePerGas": fees.max_priority_fee_per_gas,
        }
        try:
            raw = self._signer.sign_transaction(tx)
            record = TransactionRecord(
                logical_id=logical_id, nonce=nonce, tx=tx, raw_hex=raw.hex(), tx_hashes=(_hash(raw),)
            )
            self._store.create(record)
        except ConditionFailed:
            # A concurrent attempt for the same logical id persisted first: send what it signed.
            self._nonces.release(nonce)
            existing = self._store.get(logical_id)
            if existing is None:
                raise Conflict(f"transaction record for {logical_id} vanished") from None
            return existing
        except BaseException:
            self._nonces.release(nonce)
            raise
        return record

    def _broadcast(self, record: TransactionRecord, *, fresh: bool) -> None:
        """Send the latest bytes; a node that already has any version of them is success."""
        try:
            self._client.send_raw(bytes.fromhex(record.raw_hex))
        except TransactionRejected:
            if any(self._client.is_known(tx_hash) for tx_hash in record.tx_hashes):
                return
            if fresh:
                # No node took it: forget it and give the nonce back so the next send does not gap.
                self._store.delete(record)
                self._nonces.release(record.nonce)
            raise

    def _confirmed(self, record: TransactionRecord) -> tuple[TransactionRecord, Receipt]:
        """Wait for a version to be mined and buried ``confirmations`` deep; re-wait if reorged out."""
        deadline = self._clock() + self._settings.confirmation_timeout_s
        while True:
            record, receipt = self._mined(record, deadline)
            depth = self._client.chain.confirmations
            while self._client.block_number() - receipt.block_number + 1 < depth:
                self._wait_until(deadline, record)
            still = self._client.receipt(receipt.tx_hash)
            if still is not None and still.block_number == receipt.block_number:
                return record, still

    def _mined(self, record: TransactionRecord, deadline: float) -> tuple[TransactionRecord, Receipt]:
        """Poll every version's receipt; replace the transaction when it sits unmined too long."""
        stuck_at = self._clock() + self._settings.stuck_after_s
        while True:
            for tx_hash in reversed(record.tx_hashes):
                receipt = self._client.receipt(tx_hash)
                if receipt is not None:
                    return record, receipt
            if self._clock() >= stuck_at and len(record.tx_hashes) <= self._settings.max_replacements:
                record = self._replace(record)
                stuck_at = self._clock() + self._settings.stuck_after_s
                continue
            self._wait_until(deadline, record)

    def _replace(self, record: TransactionRecord) -> TransactionRecord:
        """Re-sign at the same nonce with both fees +12.5%, persist, then broadcast."""
        fees = Fees(
            max_fee_per_gas=record.tx["maxFeePerGas"],
            max_priority_fee_per_gas=record.tx["maxPriorityFeePerGas"],
        ).bumped()
        if fees.max_fee_per_gas > self._fee_cap:
            raise FeeCapExceeded(
                f"replacing {record.tx_hash} would exceed the fee cap", tx_hash=record.tx_hash
            )
        tx = {
            **record.tx,
            "maxFeePerGas": fees.max_fee_per_gas,
            "maxPriorityFeePerGas": fees.max_priority_fee_per_gas,
        }
        raw = self._signer.sign_transaction(tx)
        try:
            replaced = self._store.replace(record, tx, raw.hex(), _hash(raw))
        except ConditionFailed:
            # Another attempt replaced it first; follow its version.
            latest = self._store.get(record.logical_id)
            return latest if latest is not None else record
        self._broadcast(replaced, fresh=False)
        return replaced

    def _wait_until(self, deadline: float, record: TransactionRecord) -> None:
        if self._clock() >= deadline:
            raise TransactionNotConfirmed(
                f"{record.tx_hash} not confirmed in time; retry the logical id to keep waiting",
                dependency=f"chain:{self._client.chain.key}",
                tx_hash=record.tx_hash,
            )
        self._sleep(self._settings.poll_interval_s)


def _hash(raw: bytes) -> str:
    return "0x" + keccak(raw).hex()


def _call_params(sender: str, tx: Mapping[str, Any]) -> TxParams:
    """The transaction as ``eth_call``/``eth_estimateGas`` parameters."""
    params: dict[str, Any] = {
        "from": sender,
        "value": tx.get("value", 0),
        "data": HexBytes(tx.get("data", "0x")),
    }
    if tx.get("to"):
        params["to"] = tx["to"]
    return params  # type: ignore[return-value]


def build_sender(chain: Chain, signer: TransactionSigner, settings: ChainSenderSettings) -> TransactionSender:
    """The composition root of the chain package: one sender for one chain and one signing key."""
    bind_chain_table(settings.chain_table)
    client = connect(chain, settings)
    return TransactionSender(
        client,
        signer,
        NonceManager(client, chain.chain_id, signer.address, settings.nonce_reserve_attempts),
        FeeEstimator(client, settings),
        store=TransactionStore(chain.chain_id),
        settings=settings,
        fee_settings=settings,
    )
