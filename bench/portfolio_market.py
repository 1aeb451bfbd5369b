"""What the portfolio bench puts on the local chains: N tokens per chain and holders of every one of them.

The market manifest's tokens come first; TestTokens deployed here make up the rest, listed in a
copy of the manifest that only the bench's own reader sees (``BenchManifests``): the deployed
services keep reading the published manifest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from web3 import HTTPProvider, Web3
from web3.contract import Contract
from web3.types import RPCEndpoint

from localcloud.market import artifacts
from localcloud.market.catalog import wrapped_native
from localcloud.market.sender import BatchSender
from tradewind.deployments.manifest import DeploymentManifest, TokenEntry

# Decimals of the bench's own tokens, in turn: the spread real tokens have (USDC 6, WBTC 8).
EXTRA_DECIMALS = (18, 6, 8)
NATIVE_WEI = 3 * 10**18
_RPC_TIMEOUT_S = 30.0


class BenchSetupFailed(RuntimeError):
    """The chains or the API did not end up in the state the bench measures."""


class BenchManifests:
    """ManifestSource over the bench's manifest copies, one per chain."""

    def __init__(self, manifests: Mapping[str, DeploymentManifest]) -> None:
        self._manifests = dict(manifests)

    def manifest(self, chain_key: str) -> DeploymentManifest:
        """The chain's copy, with the bench's tokens."""
        return self._manifests[chain_key]


def web3(url: str) -> Web3:
    """A web3 client of a local node, with a timeout long enough for a batch of hundreds of transactions."""
    return Web3(HTTPProvider(url, request_kwargs={"timeout": _RPC_TIMEOUT_S}))


def with_tokens(w3: Web3, manifest: DeploymentManifest, count: int) -> tuple[DeploymentManifest, int]:
    """The manifest with exactly ``count`` tokens, deploying TestTokens for any it lacks; and how many were.

    The vaults' assets are always kept: the reader looks each vault's asset up in the manifest.
    """
    assets = {vault.asset for vault in manifest.vaults}
    others = [token.symbol for token in manifest.tokens if token.symbol not in assets]
    kept_symbols = assets | set(others[: max(0, count - len(assets))])
    kept = [token for token in manifest.tokens if token.symbol in kept_symbols]
    if len(kept) > count:
        raise BenchSetupFailed(f"the manifest's vaults need {len(kept)} assets, more than {count} tokens")
    missing = count - len(kept)
    if not missing:
        return manifest.model_copy(update={"tokens": tuple(kept)}), 0
    sender = BatchSender(w3, Web3.to_checksum_address(manifest.deployer))
    test_token = artifacts.market("TestToken")
    extras: list[TokenEntry] = []
    for index in range(missing):
        symbol, decimals = f"BENCH{index}", EXTRA_DECIMALS[index % len(EXTRA_DECIMALS)]
        name = f"Bench Token {index}"
        contract = sender.deploy(test_token, name, symbol, decimals)
        extras.append(TokenEntry(symbol=symbol, name=name, decimals=decimals, address=contract.address))
    sender.flush()
    return manifest.model_copy(update={"tokens": (*kept, *extras)}), missing


def token_amount(index: int, decimals: int) -> int:
    """What each holder gets of the manifest's ``index``-th token: distinct per token, with a stray base unit.

    Distinct amounts make a balance decoded into the wrong token visible; the odd base unit makes
    a wrong number of decimals visible.
    """
    unit: int = 10**decimals
    return (index + 1) * unit + 1


def deposit_amount(index: int, decimals: int) -> int:
    """What each holder deposits into the manifest's ``index``-th yield vault."""
    unit: int = 10**decimals
    return (index + 1) * 100 * unit + 7


def fund_holders(w3: Web3, manifest: DeploymentManifest, holders: Sequence[str]) -> None:
    """Give each holder native ETH, every token of ``manifest`` and shares of each of its yield vaults.

    The manifest's deployer pays (unlocked on anvil): it mints the TestTokens, wraps its own ETH for
    WETH and deposits assets into the vaults with each holder as the receiver. One batch per chain.
    """
    if not holders:
        return
    deployer = Web3.to_checksum_address(manifest.deployer)
    sender = BatchSender(w3, deployer)
    recipients = [Web3.to_checksum_address(holder) for holder in holders]
    weth_symbol = wrapped_native().symbol
    for index, token in enumerate(manifest.tokens):
        amount = token_amount(index, token.decimals)
        if token.symbol == weth_symbol:
            weth = _contract(w3, token.address, artifacts.weth9().abi)
            sender.send(weth.functions.deposit(), value=amount * len(recipients))
            for recipient in recipients:
                sender.send(weth.functions.transfer(recipient, amount))
        else:
            erc20 = _contract(w3, token.address, artifacts.market("TestToken").abi)
            for recipient in recipients:
                sender.send(erc20.functions.mint(recipient, amount))
    for index, vault_entry in enumerate(manifest.vaults):
        asset_entry = manifest.token(vault_entry.asset)
        if asset_entry.symbol == weth_symbol:
            raise BenchSetupFailed(f"{vault_entry.symbol}: depositing WETH is not supported by the bench")
        amount = deposit_amount(index, asset_entry.decimals)
        asset = _contract(w3, asset_entry.address, artifacts.market("TestToken").abi)
        vault = _contract(w3, vault_entry.address, artifacts.market("YieldVault").abi)
        sender.send(asset.functions.mint(deployer, amount * len(recipients)))
        sender.send(asset.functions.approve(vault.address, amount * len(recipients)))
        for recipient in recipients:
            sender.send(vault.functions.deposit(amount, recipient))
    sender.flush()
    for recipient in recipients:
        _anvil(w3, "anvil_setBalance", recipient, hex(NATIVE_WEI))


def _contract(w3: Web3, address: str, abi: list[dict[str, Any]]) -> Contract:
    return w3.eth.contract(address=Web3.to_checksum_address(address), abi=abi)


def _anvil(w3: Web3, method: str, *params: Any) -> None:
    answer = w3.provider.make_request(RPCEndpoint(method), list(params))
    if "error" in answer:
        raise BenchSetupFailed(f"{method}: {answer['error']}")
