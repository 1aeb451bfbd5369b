"""Idempotent transaction sending: sign once per logical id, persist, broadcast, wait, replace if stuck.

``send`` blocks until the chain's confirmation depth. The same work is offered as three
non-blocking steps for a state machine that waits between looks: ``prepare`` (sign and persist
once), ``broadcast`` (send the persisted bytes) and ``check`` (one look: pending, mined, confirmed,
reverted; a stuck transaction is replaced). Each step may be retried: nothing new is signed for a
logical id that has a record, and a node that already has the bytes counts as success.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, Protocol

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
from tradewind.errors import Conflict, NotFound
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


class NonceReservations(Protocol):
    """The nonces of the signer on the chain (NonceManager)."""

    def reserve(self) -> int:
        """The next nonce, never handed out twice."""
        ...

    def release(self, nonce: int) -> bool:
        """Give back a nonce that was never broadcast, when it is still the latest handed out."""
        ...


class TransactionRecords(Protocol):
    """Where the signed transaction of each logical id is persisted (TransactionStore)."""

    def get(self, logical_id: str) -> TransactionRecord | None:
        """A strongly consistent read."""
        ...

    def create(self, record: TransactionRecord) -> None:
        """Persist the first version; ConditionFailed when the logical id already has one."""
        ...

    def replace(
        self,
        record: TransactionRecord,
        tx: dict[str, Any],
        raw_hex: str,
        tx_hash: str,
        *,
        signed_at: float = 0.0,
    ) -> TransactionRecord:
        """Record a replacement; ConditionFailed when another attempt replaced the version first."""
        ...

    def delete(self, record: TransactionRecord) -> None:
        """Forget a record whose transaction no node accepted."""
        ...


CheckStatus = Literal["pending", "mined", "confirmed", "reverted"]


class TransactionCheck(BaseModel):
    """One look at a logical send.

    ``pending``: no version is mined (``tx_hash`` is the latest version, a replacement if one was
    just made); ``mined``: in a block, ``confirmations`` of ``required_confirmations`` so far (a
    reorg can still take it out, and the next look says pending again); ``confirmed`` and
    ``reverted``: final, at the chain's confirmation depth.
    """

    model_config = ConfigDict(frozen=True)

    logical_id: str
    status: CheckStatus
    tx_hash: str
    nonce: int
    replacements: int
    required_confirmations: int
    confirmations: int = 0
    block_number: int | None = None
    gas_used: int | None = None
    effective_gas_price: int | None = None
    revert: RevertInfo | None = None

    @property
    def final(self) -> bool:
        """Whether the outcome can no longer change (confirmed or reverted at depth)."""
        return self.status in ("confirmed", "reverted")


class TransactionSender:
    """Sends transactions from one KMS signer on one chain.

    ``protected``, when given, is the chain's private/protected RPC (MEV protection): every
    broadcast goes there and only there; reads and receipts still go through ``client``'s pool.
    """

    def __init__(
        self,
        client: ChainClient,
        signer: TransactionSigner,
        nonces: NonceReservations,
        fees: FeeEstimator,
        *,
        store: TransactionRecords,
        settings: SenderSettings,
        fee_settings: FeeSettings,
        protected: ChainClient | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._signer = signer
        self._nonces = nonces
        self._fees = fees
        self._store = store
        self._settings = settings
        self._fee_cap = fee_settings.max_fee_per_gas_wei
        self._protected = protected
        self._clock = clock
        self._sleep = sleep
        # Wall-clock time: a transaction's age must survive from one invocation to the next.
        self._now = now

    @property
    def client(self) -> ChainClient:
        """The chain client this sender reads through (for reads around a send)."""
        return self._client

    @property
    def address(self) -> str:
        """The address transactions are sent from."""
        return self._signer.address

    def send(
        self, logical_id: str, request: TransactionRequest, abi: Sequence[Mapping[str, Any]] | None = None
    ) -> SentTransaction:
        """Send once per logical id and return the confirmed outcome; a retry never signs again."""
        record = self.prepare(logical_id, request)
        self._broadcast(record)
        deadline = self._clock() + self._settings.confirmation_timeout_s
        while True:
            record, checked = self._check(record, abi)
            if checked.final and checked.block_number is not None:
                return SentTransaction(
                    logical_id=logical_id,
                    tx_hash=checked.tx_hash,
                    nonce=checked.nonce,
                    block_number=checked.block_number,
                    status=1 if checked.status == "confirmed" else 0,
                    gas_used=checked.gas_used or 0,
                    effective_gas_price=checked.effective_gas_price or 0,
                    replacements=checked.replacements,
                    revert=checked.revert,
                )
            if self._clock() >= deadline:
                raise TransactionNotConfirmed(
                    f"{record.tx_hash} not confirmed in time; retry the logical id to keep waiting",
                    dependency=f"chain:{self._client.chain.key}",
                    tx_hash=record.tx_hash,
                )
            self._sleep(self._settings.poll_interval_s)

    def prepare(self, logical_id: str, request: TransactionRequest) -> TransactionRecord:
        """Sign and persist the transaction of ``logical_id`` once; a retry returns the stored record.

        Nothing is sent. A stored record wins over ``request``: a retry never signs again.
        """
        record = self._store.get(logical_id)
        return record if record is not None else self._sign_new(logical_id, request)

    def broadcast(self, logical_id: str) -> str:
        """Send the latest signed version of ``logical_id``; a node that already has it is success.

        Returns the latest version's hash. NotFound when nothing was prepared for the logical id;
        TransactionRejected when the node refused it and knows no version (then, if it was never
        replaced and its nonce is unused on chain, the record is dropped and the nonce given back).
        """
        record = self._record(logical_id)
        self._broadcast(record)
        return record.tx_hash

    def check(self, logical_id: str, abi: Sequence[Mapping[str, Any]] | None = None) -> TransactionCheck:
        """One look at ``logical_id``'s transaction, without waiting; replaces it when stuck.

        A version with a receipt is reported mined, then confirmed or reverted (decoded against
        ``abi``) once buried at the chain's depth. With none mined: a transaction unmined
        ``stuck_after_s`` after signing is re-signed at the same nonce with both fees +12.5% and
        broadcast (at most ``max_replacements`` times); one no node knows any more (dropped, or
        reorged out and evicted) is broadcast again. Either way the answer is pending.
        """
        _, checked = self._check(self._record(logical_id), abi)
        return checked

    def _record(self, logical_id: str) -> TransactionRecord:
        record = self._store.get(logical_id)
        if record is None:
            raise NotFound(f"no transaction was prepared for {logical_id}")
        return record

    def _sign_new(self, logical_id: str, request: TransactionRequest) -> TransactionRecord:
        """Estimate first (a failure costs no nonce), then reserve, sign and persist."""
        fees = self._fees.estimate()
        base: dict[str, Any] = {"value": request.value, "data": request.data}
        if request.to is not None:
            base["to"] = to_checksum_address(request.to)
        gas = request.gas or with_margin(
            self._client.estimate_gas(_call_params(self._signer.address, base)), self._settings.gas_margin_bps
        )
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
                logical_id=logical_id,
                nonce=nonce,
                tx=tx,
                raw_hex=raw.hex(),
                tx_hashes=(_hash(raw),),
                signed_at=self._now(),
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

    def _broadcast(self, record: TransactionRecord) -> None:
        """Send the latest bytes; a node that already has any version of them is success."""
        try:
            (self._protected or self._client).send_raw(bytes.fromhex(record.raw_hex))
        except TransactionRejected:
            if self._known(record):
                return
            if self._never_sent(record):
                # No node took it: forget it and give the nonce back so the next send does not gap.
                self._store.delete(record)
                self._nonces.release(record.nonce)
            raise

    def _known(self, record: TransactionRecord) -> bool:
        """Whether the protected endpoint (when there is one) or the pool has any version."""
        clients = (self._protected, self._client) if self._protected is not None else (self._client,)
        return any(client.is_known(tx_hash) for client in clients for tx_hash in record.tx_hashes)

    def _never_sent(self, record: TransactionRecord) -> bool:
        """Never replaced, and its nonce not used on chain nor pending: no version can be mined.

        The nonce test keeps a record whose mined transaction a node no longer indexes.
        """
        return len(record.tx_hashes) == 1 and self._client.pending_nonce(self.address) <= record.nonce

    def _check(
        self, record: TransactionRecord, abi: Sequence[Mapping[str, Any]] | None
    ) -> tuple[TransactionRecord, TransactionCheck]:
        """One look; returns the record too, as a replacement made here changes it."""
        for tx_hash in reversed(record.tx_hashes):
            receipt = self._client.receipt(tx_hash)
            if receipt is not None:
                return record, self._mined(record, receipt, abi)
        if self._stuck(record):
            record = self._replace(record)
        elif not self._known(record):
            self._broadcast(record)
        return record, self._result(record, "pending", record.tx_hash)

    def _mined(
        self, record: TransactionRecord, receipt: Receipt, abi: Sequence[Mapping[str, Any]] | None
    ) -> TransactionCheck:
        """Mined so far, or final at depth; a final answer re-reads the receipt (reorged out meanwhile?)."""
        depth = self._client.chain.confirmations
        confirmations = max(self._client.block_number() - receipt.block_number + 1, 0)
        if confirmations < depth:
            return self._result(record, "mined", receipt.tx_hash, receipt, confirmations=confirmations)
        still = self._client.receipt(receipt.tx_hash)
        if still is None:
            return self._result(record, "pending", record.tx_hash)
        if still.block_number != receipt.block_number:
            return self._result(record, "mined", still.tx_hash, still)
        if still.status == 1:
            return self._result(record, "confirmed", still.tx_hash, still, confirmations=confirmations)
        data = self._client.revert_data(_call_params(self.address, record.tx), still.block_number)
        revert = decode_revert(data or b"", abi)
        return self._result(
            record, "reverted", still.tx_hash, still, confirmations=confirmations, revert=revert
        )

    def _result(
        self,
        record: TransactionRecord,
        status: CheckStatus,
        tx_hash: str,
        receipt: Receipt | None = None,
        *,
        confirmations: int = 0,
        revert: RevertInfo | None = None,
    ) -> TransactionCheck:
        return TransactionCheck(
            logical_id=record.logical_id,
            status=status,
            tx_hash=tx_hash,
            nonce=record.nonce,
            replacements=len(record.tx_hashes) - 1,
            required_confirmations=self._client.chain.confirmations,
            confirmations=confirmations,
            block_number=receipt.block_number if receipt else None,
            gas_used=receipt.gas_used if receipt else None,
            effective_gas_price=receipt.effective_gas_price if receipt else None,
            revert=revert,
        )

    def _stuck(self, record: TransactionRecord) -> bool:
        """Unmined ``stuck_after_s`` after its latest version was signed, with replacements left."""
        return (
            self._now() - record.signed_at >= self._settings.stuck_after_s
            and len(record.tx_hashes) <= self._settings.max_replacements
        )

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
            replaced = self._store.replace(record, tx, raw.hex(), _hash(raw), signed_at=self._now())
        except ConditionFailed:
            # Another attempt replaced it first; follow its version.
            latest = self._store.get(record.logical_id)
            return latest if latest is not None else record
        self._broadcast(replaced)
        return replaced


def with_margin(gas: int, margin_bps: int) -> int:
    """``gas`` raised by ``margin_bps`` basis points, rounded up."""
    return -(-gas * (10_000 + margin_bps) // 10_000)


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
    protected_url = settings.protected_rpc_urls.get(chain.key)
    protected = (
        connect(chain.model_copy(update={"rpc_urls": (protected_url,)}), settings)
        if protected_url is not None
        else None
    )
    return TransactionSender(
        client,
        signer,
        NonceManager(client, chain.chain_id, signer.address, settings.nonce_reserve_attempts),
        FeeEstimator(client, settings),
        store=TransactionStore(chain.chain_id),
        settings=settings,
        fee_settings=settings,
        protected=protected,
    )
