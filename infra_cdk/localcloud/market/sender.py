"""Transactions of the market's deployer: sent through the node's unlocked account, each receipt checked."""

from __future__ import annotations

from typing import Any

from eth_typing import ChecksumAddress
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import Web3Exception
from web3.types import TxReceipt, Wei

from localcloud.market import artifacts
from localcloud.market.errors import MarketDeployFailed

_RECEIPT_TIMEOUT_S = 30.0


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
