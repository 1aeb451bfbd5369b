"""Contracts the integration tests put on a local chain themselves, beside the market's."""

from __future__ import annotations

from typing import Any

from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction

from localcloud.market import artifacts


def transact(w3: Web3, call: ContractFunction, sender: str) -> None:
    """Send ``call`` from an unlocked account and require it to succeed."""
    receipt = w3.eth.wait_for_transaction_receipt(call.transact({"from": Web3.to_checksum_address(sender)}))
    assert receipt["status"] == 1


def deploy(w3: Web3, abi: list[dict[str, Any]], bytecode: str, *args: Any) -> Contract:
    """Deploy from anvil's account 0 (the market's deployer) and require it to succeed."""
    deployer = w3.eth.accounts[0]
    tx_hash = w3.eth.contract(abi=abi, bytecode=bytecode).constructor(*args).transact({"from": deployer})
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash)
    assert receipt["status"] == 1
    address = receipt["contractAddress"]
    assert address is not None
    return w3.eth.contract(address=address, abi=abi)


def unlisted_token(w3: Web3, symbol: str, decimals: int, to: str, amount: int) -> Contract:
    """A TestToken the manifest does not list; the deployer mints ``amount`` and transfers it to ``to``."""
    artifact = artifacts.market("TestToken")
    token = deploy(w3, artifact.abi, artifact.bytecode, f"Unlisted {symbol}", symbol, decimals)
    deployer = w3.eth.accounts[0]
    transact(w3, token.functions.mint(deployer, amount), deployer)
    transact(w3, token.functions.transfer(Web3.to_checksum_address(to), amount), deployer)
    return token
