"""Uniswap V3 liquidity for local accounts: positions minted with the real NonfungiblePositionManager, swaps.

Both act as an account the node has unlocked (any anvil account), with that account's own tokens
(``fund`` sends them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from eth_typing import ChecksumAddress
from web3 import HTTPProvider, Web3
from web3.contract import Contract
from web3.logs import DISCARD

from localcloud.market import artifacts
from localcloud.market.errors import MarketDeployFailed
from localcloud.market.sender import Sender
from tradewind.deployments.manifest import DeploymentManifest

MAX_UINT256 = 2**256 - 1
_RPC_TIMEOUT_S = 10


@dataclass(frozen=True)
class MintedPosition:
    """A position as its mint left it: its NFT id, range, liquidity and the tokens it took."""

    token_id: int
    tick_lower: int
    tick_upper: int
    liquidity: int
    amount0: int
    amount1: int


def mint_position(
    rpc_url: str,
    manifest: DeploymentManifest,
    owner: str,
    pool_name: str,
    *,
    desired: Mapping[str, int],
    spacings: tuple[int, int],
) -> MintedPosition:
    """Mint ``owner`` a position in ``pool_name`` (``BASE/QUOTE``) from its own tokens.

    The range is ``spacings`` tick spacings from the pool's current tick, rounded down to a
    spacing: (-100, 100) straddles the price, (5, 50) lies above it and takes only token0.
    ``desired`` is the most of each token (symbol -> base units) the position may take.
    """
    w3 = Web3(HTTPProvider(rpc_url, request_kwargs={"timeout": _RPC_TIMEOUT_S}))
    pool = manifest.pool(pool_name)
    token0, token1 = manifest.token(pool.token0), manifest.token(pool.token1)
    contract = w3.eth.contract(
        address=Web3.to_checksum_address(pool.address), abi=artifacts.uniswap_v3_core("UniswapV3Pool").abi
    )
    tick: int = contract.functions.slot0().call()[1]
    base = tick // pool.tick_spacing
    lower, upper = ((base + offset) * pool.tick_spacing for offset in spacings)
    sender = Sender(w3, Web3.to_checksum_address(owner))
    manager = _position_manager(w3, manifest)
    for token in (token0, token1):
        _approve(sender, token.address, manager.address)
    mint = (
        Web3.to_checksum_address(token0.address),
        Web3.to_checksum_address(token1.address),
        pool.fee,
        lower,
        upper,
        desired.get(token0.symbol, 0),
        desired.get(token1.symbol, 0),
        0,
        0,
        sender.sender,
        MAX_UINT256,
    )
    receipt = sender.send(manager.functions.mint(mint))
    # IncreaseLiquidity has the mint's outcome; a return value would need a second, simulated mint.
    (event,) = manager.events.IncreaseLiquidity().process_receipt(receipt, errors=DISCARD)
    return MintedPosition(
        token_id=event["args"]["tokenId"],
        tick_lower=lower,
        tick_upper=upper,
        liquidity=event["args"]["liquidity"],
        amount0=event["args"]["amount0"],
        amount1=event["args"]["amount1"],
    )


def swap(
    rpc_url: str, manifest: DeploymentManifest, trader: str, pool_name: str, *, sell: str, amount: int
) -> None:
    """Sell ``amount`` base units of ``sell`` through ``pool_name`` with the SwapRouter, at any price."""
    w3 = Web3(HTTPProvider(rpc_url, request_kwargs={"timeout": _RPC_TIMEOUT_S}))
    pool = manifest.pool(pool_name)
    if sell not in (pool.token0, pool.token1):
        raise MarketDeployFailed(f"{pool_name} does not trade {sell}")
    buy = pool.token1 if sell == pool.token0 else pool.token0
    router = w3.eth.contract(
        address=Web3.to_checksum_address(manifest.uniswap_v3.swap_router),
        abi=artifacts.uniswap_v3_periphery("SwapRouter", "SwapRouter").abi,
    )
    sender = Sender(w3, Web3.to_checksum_address(trader))
    _approve(sender, manifest.token(sell).address, router.address)
    # ExactInputSingleParams with no minimum out and no price limit: a local trade that moves the pool.
    params = (
        Web3.to_checksum_address(manifest.token(sell).address),
        Web3.to_checksum_address(manifest.token(buy).address),
        pool.fee,
        sender.sender,
        MAX_UINT256,
        amount,
        0,
        0,
    )
    sender.send(router.functions.exactInputSingle(params))


def _position_manager(w3: Web3, manifest: DeploymentManifest) -> Contract:
    artifact = artifacts.uniswap_v3_periphery("NonfungiblePositionManager", "NonfungiblePositionManager")
    return w3.eth.contract(
        address=Web3.to_checksum_address(manifest.uniswap_v3.position_manager), abi=artifact.abi
    )


def _approve(sender: Sender, token: str, spender: ChecksumAddress) -> None:
    """Let ``spender`` take any amount of ``token`` from the sender, unless it already may."""
    contract = sender.w3.eth.contract(
        address=Web3.to_checksum_address(token), abi=artifacts.market("TestToken").abi
    )
    if contract.functions.allowance(sender.sender, spender).call() == 0:
        sender.send(contract.functions.approve(spender, MAX_UINT256))
