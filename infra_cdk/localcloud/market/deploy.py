"""Deploy the local DeFi market (WETH9, test tokens, Uniswap V3, Multicall3, yield vaults, vault factory)."""

from __future__ import annotations

import logging
import time
from collections import Counter
from fractions import Fraction
from pathlib import Path

from eth_typing import ChecksumAddress
from web3 import HTTPProvider, Web3
from web3.contract import Contract

from localcloud.market import artifacts
from localcloud.market.catalog import (
    EXTRA_FEE_TIERS,
    POOLS,
    TOKENS,
    VAULTS,
    PoolSpec,
    TokenSpec,
    VaultSpec,
    token_spec,
    wrapped_native,
)
from localcloud.market.errors import MarketDeployFailed
from localcloud.market.funding import vault_defaults
from localcloud.market.manifest import write_manifest
from localcloud.market.pricing import base_units, full_range_ticks, sqrt_price_x96
from localcloud.market.sender import BatchSender
from tradewind.deployments.manifest import (
    DeploymentManifest,
    PoolEntry,
    TokenEntry,
    UniswapV3Entry,
    VaultEntry,
)

logger = logging.getLogger(__name__)

MAX_UINT256 = 2**256 - 1
_ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


def deploy_market(
    rpc_url: str,
    chain_key: str,
    manifest_path: Path | None = None,
    *,
    expected_chain_id: int | None = None,
    deployer: str | None = None,
    vault_operator: str,
) -> DeploymentManifest:
    """Deploy the whole market on the node at ``rpc_url`` and write its manifest to ``manifest_path``.

    ``deployer`` must be an account the node has unlocked (default: anvil's first account).
    ``vault_operator`` is the service's signer: the only account that may create trading vaults
    through the factory, and the operator of each vault it creates.
    """
    if not Web3.is_address(vault_operator) or int(vault_operator, 16) == 0:
        # Checked before any transaction, so a bad address does not leave half a market behind.
        raise MarketDeployFailed(f"vault operator {vault_operator!r} is not a non-zero address")
    began = time.monotonic()
    artifacts.build_market_contracts()
    w3 = Web3(HTTPProvider(rpc_url, request_kwargs={"timeout": 10}))
    chain_id = w3.eth.chain_id
    if expected_chain_id is not None and chain_id != expected_chain_id:
        raise MarketDeployFailed(f"{rpc_url} is chain {chain_id}, expected {expected_chain_id}")
    sender = BatchSender(w3, Web3.to_checksum_address(deployer) if deployer else w3.eth.accounts[0])

    tokens = _deploy_tokens(sender)
    uniswap = _deploy_uniswap(sender, tokens[wrapped_native().symbol].address)
    multicall = sender.deploy(artifacts.market("Multicall3"))
    vault_factory = sender.deploy(
        artifacts.market("TradingVaultFactory"), Web3.to_checksum_address(vault_operator)
    )
    _fund(sender, tokens)
    sender.flush()
    # The positions' ticks depend on the fee tiers' spacings, which only the deployed factory knows.
    factory = uniswap["factory"]
    spacings: dict[int, int] = {
        fee: factory.functions.feeAmountTickSpacing(fee).call() for fee in sorted({p.fee for p in POOLS})
    }
    for token in tokens.values():
        sender.send(token.functions.approve(uniswap["position_manager"].address, MAX_UINT256))
    for spec in POOLS:
        _create_pool(sender, uniswap["position_manager"], tokens, spec, spacings[spec.fee])
    vaults = [_deploy_vault(sender, tokens[spec.asset], spec) for spec in VAULTS]
    sender.flush()
    pools = _pool_entries(w3, factory, tokens, spacings)

    manifest = DeploymentManifest(
        chain_key=chain_key,
        chain_id=chain_id,
        deployer=sender.sender,
        multicall3=multicall.address,
        trading_vault_factory=vault_factory.address,
        uniswap_v3=UniswapV3Entry(
            factory=uniswap["factory"].address,
            swap_router=uniswap["swap_router"].address,
            quoter_v2=uniswap["quoter_v2"].address,
            position_manager=uniswap["position_manager"].address,
        ),
        tokens=tuple(_token_entry(spec, tokens[spec.symbol]) for spec in TOKENS),
        pools=tuple(pools),
        vaults=tuple(vaults),
    )
    # The defaults name the addresses just deployed, so they are derived from the manifest itself.
    manifest = manifest.model_copy(update={"vault_defaults": vault_defaults(manifest)})
    if manifest_path is not None:
        write_manifest(manifest, manifest_path)
    logger.info("market deployed on %s in %.2f s", chain_key, time.monotonic() - began)
    return manifest


def _deploy_tokens(sender: BatchSender) -> dict[str, Contract]:
    """WETH9 for the wrapped native token, a TestToken for every other catalog entry."""
    test_token = artifacts.market("TestToken")
    return {
        spec.symbol: sender.deploy(artifacts.weth9())
        if spec.wrapped_native
        else sender.deploy(test_token, spec.name, spec.symbol, spec.decimals)
        for spec in TOKENS
    }


def _deploy_uniswap(sender: BatchSender, weth: ChecksumAddress) -> dict[str, Contract]:
    """The factory (with the extra fee tiers enabled), SwapRouter, QuoterV2 and the position manager."""
    factory = sender.deploy(artifacts.uniswap_v3_core("UniswapV3Factory"))
    for fee, tick_spacing in EXTRA_FEE_TIERS.items():
        sender.send(factory.functions.enableFeeAmount(fee, tick_spacing))
    router = artifacts.uniswap_v3_periphery("SwapRouter", "SwapRouter")
    quoter = artifacts.uniswap_v3_periphery("lens/QuoterV2", "QuoterV2")
    manager = artifacts.uniswap_v3_periphery("NonfungiblePositionManager", "NonfungiblePositionManager")
    return {
        "factory": factory,
        "swap_router": sender.deploy(router, factory.address, weth),
        "quoter_v2": sender.deploy(quoter, factory.address, weth),
        # No token descriptor: only tokenURI() needs one, and it would need a linked library.
        "position_manager": sender.deploy(manager, factory.address, weth, _ZERO_ADDRESS),
    }


def _fund(sender: BatchSender, tokens: dict[str, Contract]) -> None:
    """Give the deployer exactly what the pools and vaults take: wrapped ETH and minted test tokens."""
    needed = _amounts_needed()
    for spec in TOKENS:
        token, amount = tokens[spec.symbol], needed[spec.symbol]
        if spec.wrapped_native:
            sender.send(token.functions.deposit(), value=amount)
        else:
            sender.send(token.functions.mint(sender.sender, amount))


def _amounts_needed() -> Counter[str]:
    """Base units of each token the pools and vault seeds and harvests use."""
    needed: Counter[str] = Counter()
    for pool in POOLS:
        for symbol in (pool.base, pool.quote):
            needed[symbol] += _liquidity_amount(token_spec(symbol), pool)
    for vault in VAULTS:
        needed[vault.asset] += base_units(vault.seed + vault.harvest, token_spec(vault.asset).decimals)
    return needed


def _liquidity_amount(spec: TokenSpec, pool: PoolSpec) -> int:
    """Base units of ``spec`` worth one side of ``pool``."""
    return base_units(pool.liquidity_usd_per_side / spec.usd_price, spec.decimals)


def _create_pool(
    sender: BatchSender, manager: Contract, tokens: dict[str, Contract], spec: PoolSpec, tick_spacing: int
) -> None:
    """Queue the pool's creation at the catalog price and a full-range position (tokens already approved)."""
    symbol0, symbol1 = _by_address(tokens, spec)
    token0, token1 = token_spec(symbol0), token_spec(symbol1)
    address0, address1 = tokens[symbol0].address, tokens[symbol1].address
    price = Fraction(token0.usd_price) / Fraction(token1.usd_price)
    sender.send(
        manager.functions.createAndInitializePoolIfNecessary(
            address0, address1, spec.fee, sqrt_price_x96(price, token0.decimals, token1.decimals)
        )
    )
    tick_lower, tick_upper = full_range_ticks(tick_spacing)
    amount0, amount1 = _liquidity_amount(token0, spec), _liquidity_amount(token1, spec)
    # MintParams: the desired amounts set the depth; no minimums, the pool was just priced by us.
    mint = (address0, address1, spec.fee, tick_lower, tick_upper, amount0, amount1, 0, 0)
    sender.send(manager.functions.mint((*mint, sender.sender, MAX_UINT256)))


def _by_address(tokens: dict[str, Contract], spec: PoolSpec) -> tuple[str, str]:
    """The pool's symbols as token0, token1: ordered by address, as the pool stores them (price = 1 per 0)."""
    symbol0, symbol1 = sorted((spec.base, spec.quote), key=lambda symbol: int(tokens[symbol].address, 16))
    return symbol0, symbol1


def _pool_entries(
    w3: Web3, factory: Contract, tokens: dict[str, Contract], spacings: dict[int, int]
) -> list[PoolEntry]:
    """The manifest entries of the created pools, their addresses asked of the factory in one batch."""
    ordered = [(spec, *_by_address(tokens, spec)) for spec in POOLS]
    with w3.batch_requests() as batch:
        for spec, symbol0, symbol1 in ordered:
            batch.add(factory.functions.getPool(tokens[symbol0].address, tokens[symbol1].address, spec.fee))
        addresses = batch.execute()
    return [
        PoolEntry(
            name=spec.name,
            token0=symbol0,
            token1=symbol1,
            fee=spec.fee,
            tick_spacing=spacings[spec.fee],
            address=str(address),
        )
        for (spec, symbol0, symbol1), address in zip(ordered, addresses, strict=True)
    ]


def _deploy_vault(sender: BatchSender, asset: Contract, spec: VaultSpec) -> VaultEntry:
    """Deploy a YieldVault, deposit its seed and harvest its yield, so its share price is above 1."""
    vault = sender.deploy(artifacts.market("YieldVault"), asset.address, spec.name, spec.symbol)
    decimals = token_spec(spec.asset).decimals
    sender.send(asset.functions.approve(vault.address, MAX_UINT256))
    sender.send(vault.functions.deposit(base_units(spec.seed, decimals), sender.sender))
    sender.send(vault.functions.harvest(base_units(spec.harvest, decimals)))
    return VaultEntry(symbol=spec.symbol, name=spec.name, asset=spec.asset, address=vault.address)


def _token_entry(spec: TokenSpec, token: Contract) -> TokenEntry:
    return TokenEntry(symbol=spec.symbol, name=spec.name, decimals=spec.decimals, address=token.address)
