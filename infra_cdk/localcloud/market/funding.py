"""Set-up for local accounts: market tokens for a recipient, and the rules a new trading vault starts with."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from web3 import HTTPProvider, Web3

from localcloud.market import artifacts
from localcloud.market.catalog import TRADING_VAULT_CAPS, token_spec
from localcloud.market.errors import MarketDeployFailed
from localcloud.market.pricing import units_worth
from localcloud.market.sender import Sender
from tradewind.deployments.manifest import DeploymentManifest, TokenRule, VaultDefaults


def fund(
    rpc_url: str,
    manifest: DeploymentManifest,
    recipient: str,
    usd_each: Decimal,
    symbols: Sequence[str],
) -> dict[str, int]:
    """Send ``recipient`` ``usd_each`` USD worth of each token in ``symbols``; base units sent per symbol.

    The manifest's deployer pays: it mints the test tokens it owns and wraps its own ETH for WETH,
    so it must be unlocked on the node (it is on anvil). Amounts round up: never less than asked.
    """
    if usd_each <= 0:
        raise ValueError(f"usd_each must be positive, got {usd_each}")
    if len(set(symbols)) != len(symbols):
        raise ValueError(f"symbols repeat: {list(symbols)}")
    # Resolve every symbol first, so an unknown one fails before anything is sent.
    plan = [(token_spec(symbol), manifest.token(symbol).address) for symbol in symbols]
    w3 = Web3(HTTPProvider(rpc_url, request_kwargs={"timeout": 10}))
    if (chain_id := w3.eth.chain_id) != manifest.chain_id:
        raise MarketDeployFailed(f"{rpc_url} is chain {chain_id}, the manifest is for {manifest.chain_id}")
    sender = Sender(w3, Web3.to_checksum_address(manifest.deployer))
    to = Web3.to_checksum_address(recipient)
    sent: dict[str, int] = {}
    for spec, address in plan:
        amount = units_worth(usd_each, spec.usd_price, spec.decimals, round_up=True)
        if spec.wrapped_native:
            weth = w3.eth.contract(address=Web3.to_checksum_address(address), abi=artifacts.weth9().abi)
            sender.send(weth.functions.deposit(), value=amount)
            sender.send(weth.functions.transfer(to, amount))
        else:
            token = w3.eth.contract(
                address=Web3.to_checksum_address(address), abi=artifacts.market("TestToken").abi
            )
            sender.send(token.functions.mint(to, amount))
        sent[spec.symbol] = amount
    return sent


def vault_defaults(manifest: DeploymentManifest) -> VaultDefaults:
    """The rules a new trading vault starts with locally: the SwapRouter, every token and yield vault."""
    priced = [(token.address, token.symbol, token.decimals) for token in manifest.tokens]
    # A yield vault is also a token (its shares), or deposits into it revert with TokenNotAllowed.
    # YieldVault keeps OpenZeppelin's zero decimals offset, so shares have the asset's decimals; they
    # are capped as if worth one asset each (the catalog has no share price; harvests make it a bit more).
    priced += [
        (vault.address, vault.asset, manifest.token(vault.asset).decimals) for vault in manifest.vaults
    ]
    return VaultDefaults(
        max_slippage_bps=TRADING_VAULT_CAPS.max_slippage_bps,
        routers=(Web3.to_checksum_address(manifest.uniswap_v3.swap_router),),
        tokens=tuple(
            _token_rule(Web3.to_checksum_address(address), symbol, decimals)
            for address, symbol, decimals in priced
        ),
        yield_vaults=tuple(Web3.to_checksum_address(vault.address) for vault in manifest.vaults),
    )


def _token_rule(address: str, priced_as: str, decimals: int) -> TokenRule:
    """The default caps for a token worth one ``priced_as`` per whole token, in its base units."""
    price, caps = token_spec(priced_as).usd_price, TRADING_VAULT_CAPS
    return TokenRule(
        token=address,
        max_per_trade=units_worth(caps.per_trade_usd, price, decimals),
        max_per_day=units_worth(caps.per_day_usd, price, decimals),
        signature_threshold=units_worth(caps.signature_threshold_usd, price, decimals),
    )
