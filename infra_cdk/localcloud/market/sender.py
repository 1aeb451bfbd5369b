"""Transactions of the market's deployer: sent through the node's unlocked account, each receipt checked.

``Sender`` sends one transaction at a time; ``BatchSender`` queues many and sends them in one batch.
"""

from __future__ import annotations

import time
from typing import Any

from eth_typing import ChecksumAddress
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import Web3Exception
from web3.providers import JSONBaseProvider
from web3.types import Nonce, RPCEndpoint, TxParams, TxReceipt, Wei
from web3.utils.address import get_create_address

from localcloud.market import artifacts
from localcloud.market.errors import MarketDeployFailed

_RECEIPT_TIMEOUT_S = 30.0
# Queued transactions cannot be estimated (each depends on the state the earlier ones leave), so each
# gets this limit: the market's largest, the position manager's deployment, takes ~5.5M gas and a
# pool's creation ~4.6M. The node charges only the gas used.
_QUEUED_GAS_LIMIT = 8_000_000
# A batch is mined into full blocks (anvil packs by gas used), each raising the base fee by an eighth:
# ten times the base fee at the start covers ~20 full blocks; the market takes ~8.
_BASE_FEE_HEADROOM = 10


class Sender:
    """Sends one account's transactions through the node's unlocked account and checks each receipt."""

    def __init__(self, w3: Web3, sender: ChecksumAddress) -> None:
        self.w3 = w3
        self.sender = sender

    def deploy(self, artifact: artifacts.Artifact, *args: Any) -> Contract:
        """Deploy ``artifact`` with constructor ``args``; the contract at its new address."""
        factory = self.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        try:
            tx_hash = factory.constructor(*args).transact({"from": self.sender})
        except Web3Exception as e:
            raise MarketDeployFailed(f"deploying {artifact.name} failed: {e}") from e
        receipt = self._settle(tx_hash)
        address = receipt["contractAddress"]
        if address is None:
            raise MarketDeployFailed("deployment receipt has no contract address")
        return self.w3.eth.contract(address=address, abi=artifact.abi)

    def send(self, call: ContractFunction, value: int = 0) -> TxReceipt:
        """Send ``call`` as a transaction and wait for its successful receipt."""
        try:
            tx_hash = call.transact({"from": self.sender, "value": Wei(value)})
        except Web3Exception as e:
            # Gas estimation runs the call first, so a revert surfaces here with its reason.
            raise MarketDeployFailed(f"{call.fn_name} failed: {e}") from e
        return self._settle(tx_hash)

    def _settle(self, tx_hash: HexBytes) -> TxReceipt:
        # Anvil automines, so the receipt is usually there on the first look; a block time also works.
        receipt = self.w3.eth.wait_for_transaction_receipt(
            tx_hash, timeout=_RECEIPT_TIMEOUT_S, poll_latency=0.02
        )
        if receipt["status"] != 1:
            raise MarketDeployFailed(f"transaction {tx_hash.hex()} reverted")
        return receipt


class BatchSender:
    """Queues one unlocked account's transactions and sends them as one JSON-RPC batch on ``flush``.

    The market is ~150 transactions. Sent one by one through web3, each costs a gas estimate, fee
    and chain-id look-ups and a receipt poll: over 2 s a chain at every start. Queued, none of that
    is needed: nonces (hence CREATE addresses) are known in advance, fees are read once, and the node
    mines the batch in nonce order whatever order it reads it in. Anvil only (it pauses automine):
    nothing else may send from the account until ``flush`` returns, or the nonces collide.

    A revert is only seen in its receipt, without a reason: the error names the queued step instead.
    """

    def __init__(self, w3: Web3, sender: ChecksumAddress) -> None:
        if not isinstance(w3.provider, JSONBaseProvider):
            raise MarketDeployFailed(f"{type(w3.provider).__name__} cannot send JSON-RPC batches")
        self.w3 = w3
        self.sender = sender
        self._provider = w3.provider
        self._nonce: int = w3.eth.get_transaction_count(sender, "pending")
        priority = w3.eth.max_priority_fee
        base_fee = w3.eth.get_block("latest").get("baseFeePerGas", 0)
        self._fields: TxParams = {
            "from": sender,
            "gas": _QUEUED_GAS_LIMIT,
            "chainId": w3.eth.chain_id,
            "maxPriorityFeePerGas": priority,
            "maxFeePerGas": Wei(priority + _BASE_FEE_HEADROOM * base_fee),
        }
        self._queued: list[tuple[str, TxParams]] = []

    def deploy(self, artifact: artifacts.Artifact, *args: Any) -> Contract:
        """Queue deploying ``artifact`` with constructor ``args``; the contract at its future address."""
        address = get_create_address(self.sender, Nonce(self._nonce))
        factory = self.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        tx = factory.constructor(*args).build_transaction(self._next(0))
        self._queued.append((f"deploying {artifact.name}", tx))
        return self.w3.eth.contract(address=address, abi=artifact.abi)

    def send(self, call: ContractFunction, value: int = 0) -> None:
        """Queue ``call`` as a transaction."""
        self._queued.append((f"{call.fn_name} on {call.address}", call.build_transaction(self._next(value))))

    def flush(self) -> None:
        """Send everything queued as one batch and return once every transaction has succeeded."""
        queued, self._queued = self._queued, []
        if not queued:
            return
        labels = [label for label, _ in queued]
        # Anvil's automine races a batch: it mines while the batch's transactions still arrive, out
        # of nonce order, and may strand or drop some (foundry-rs/foundry#10122). With mining paused
        # the pool takes the whole batch first; then blocks are mined on request.
        automine = self._call("anvil_getAutomine")
        self._call("evm_setAutomine", False)
        try:
            hashes = self._batch("eth_sendTransaction", [[_json(tx)] for _, tx in queued], labels)
            self._mine_all()
        finally:
            self._call("evm_setAutomine", automine)
        receipts = self._batch("eth_getTransactionReceipt", [[tx_hash] for tx_hash in hashes], labels)
        for label, tx_hash, receipt in zip(labels, hashes, receipts, strict=True):
            if receipt is None or int(receipt["status"], 16) != 1:
                raise MarketDeployFailed(f"{label} failed: transaction {tx_hash} reverted")

    def _mine_all(self) -> None:
        """Mine blocks until every queued transaction is in one; each block takes what its gas limit allows.

        One sender's transactions are mined in nonce order, so the account's mined nonce tells how
        far the batch has got.
        """
        deadline = time.monotonic() + _RECEIPT_TIMEOUT_S
        while (mined := self.w3.eth.get_transaction_count(self.sender, "latest")) < self._nonce:
            if time.monotonic() > deadline:
                raise MarketDeployFailed(f"the node mined the batch up to nonce {mined} of {self._nonce}")
            self._call("evm_mine")

    def _call(self, method: str, *params: Any) -> Any:
        """One JSON-RPC request's result; an error answer is a failed deployment."""
        answer = self._provider.make_request(RPCEndpoint(method), list(params))
        if "error" in answer:
            raise MarketDeployFailed(f"{method} failed: {answer['error']}")
        return answer.get("result")

    def _next(self, value: int) -> TxParams:
        """The fixed fields, the next nonce and ``value``."""
        fields: TxParams = {**self._fields, "nonce": Nonce(self._nonce), "value": Wei(value)}
        self._nonce += 1
        return fields

    def _batch(self, method: str, params: list[list[Any]], labels: list[str]) -> list[Any]:
        """Each request's result, in order; an error names the queued step it belongs to."""
        answers = self._provider.make_batch_request([(RPCEndpoint(method), p) for p in params])
        if not isinstance(answers, list) or len(answers) != len(params):
            raise MarketDeployFailed(f"{method} batch of {len(params)} was not answered: {answers}")
        for label, answer in zip(labels, answers, strict=True):
            if "error" in answer:
                raise MarketDeployFailed(f"{label} failed: {answer['error']}")
        return [answer["result"] for answer in answers]


def _json(tx: TxParams) -> dict[str, Any]:
    """``tx`` as JSON-RPC takes it: quantities in hex, no ``to`` for a deployment (web3 leaves it empty)."""
    return {
        key: hex(value) if isinstance(value, int) else value
        for key, value in tx.items()
        if not (key == "to" and not value)
    }
