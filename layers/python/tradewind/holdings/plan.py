"""Which calls read a chain's holdings for a set of owners, and how their results become models.

The calls are laid out in a fixed order (per vault its ``decimals()``, then per owner the native
balance, each token's ``balanceOf`` and each vault's ``balanceOf`` + ``maxWithdraw``), and decoding
walks the results in the same order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from tradewind.chains.registry import NativeToken
from tradewind.deployments.manifest import DeploymentManifest, VaultEntry
from tradewind.holdings.models import OwnerHoldings, TokenBalance, VaultPosition, to_units
from tradewind.holdings.multicall import Call, Result, function_call


def holdings_calls(manifest: DeploymentManifest, owners: Sequence[str]) -> list[Call]:
    """Every call needed for ``owners`` on the manifest's chain, in decoding order."""
    calls = [function_call(vault.address, "decimals") for vault in manifest.vaults]
    for owner in owners:
        calls.append(function_call(manifest.multicall3, "getEthBalance", ["address"], [owner]))
        calls += [function_call(t.address, "balanceOf", ["address"], [owner]) for t in manifest.tokens]
        for vault in manifest.vaults:
            calls.append(function_call(vault.address, "balanceOf", ["address"], [owner]))
            # maxWithdraw is convertToAssets(balanceOf(owner)) for OpenZeppelin's ERC4626 without
            # withdrawal limits: the assets in one round, where convertToAssets needs the shares first.
            calls.append(function_call(vault.address, "maxWithdraw", ["address"], [owner]))
    return calls


def decode_holdings(
    manifest: DeploymentManifest, native: NativeToken, owners: Sequence[str], results: Sequence[Result]
) -> list[OwnerHoldings]:
    """The owners' holdings from the results of ``holdings_calls(manifest, owners)``."""
    expected = len(manifest.vaults) + len(owners) * (1 + len(manifest.tokens) + 2 * len(manifest.vaults))
    if len(results) != expected:
        raise ValueError(f"expected {expected} results, got {len(results)}")
    walk = iter(results)
    share_decimals = {vault.symbol: _next_uint(walk) for vault in manifest.vaults}
    return [_owner(manifest, native, owner, walk, share_decimals) for owner in owners]


def _owner(
    manifest: DeploymentManifest,
    native: NativeToken,
    owner: str,
    walk: Iterator[Result],
    share_decimals: dict[str, int | None],
) -> OwnerHoldings:
    unreadable: list[str] = []
    wei = _next_uint(walk)
    native_balance = _balance(native.symbol, None, native.decimals, wei)
    if native_balance is None:
        unreadable.append(native.symbol)
    tokens = []
    for token in manifest.tokens:
        balance = _balance(token.symbol, token.address, token.decimals, _next_uint(walk))
        if balance is None:
            unreadable.append(token.symbol)
        else:
            tokens.append(balance)
    vaults = []
    for vault in manifest.vaults:
        shares, assets = _next_uint(walk), _next_uint(walk)
        position = _position(manifest, vault, shares, assets, share_decimals[vault.symbol])
        if position is None:
            unreadable.append(vault.symbol)
        else:
            vaults.append(position)
    return OwnerHoldings(
        owner=owner,
        native=native_balance,
        tokens=tuple(tokens),
        vaults=tuple(vaults),
        unreadable=tuple(unreadable),
    )


def _next_uint(walk: Iterator[Result]) -> int | None:
    return next(walk).uint()


def _balance(symbol: str, address: str | None, decimals: int, raw: int | None) -> TokenBalance | None:
    if raw is None:
        return None
    return TokenBalance(
        symbol=symbol, address=address, decimals=decimals, amount=to_units(raw, decimals), raw=raw
    )


def _position(
    manifest: DeploymentManifest,
    vault: VaultEntry,
    shares: int | None,
    assets: int | None,
    decimals: int | None,
) -> VaultPosition | None:
    if shares is None or assets is None or decimals is None:
        return None
    asset = manifest.token(vault.asset)
    return VaultPosition(
        vault=vault.symbol,
        address=vault.address,
        shares=to_units(shares, decimals),
        shares_raw=shares,
        underlying=asset.symbol,
        underlying_amount=to_units(assets, asset.decimals),
        underlying_raw=assets,
    )
