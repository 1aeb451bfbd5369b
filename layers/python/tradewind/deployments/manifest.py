"""A chain's deployment manifest: the contracts and tokens Tradewind works with on that chain.

Written by whoever deploys (the local cloud for the local chains, an operator elsewhere) and
published as one SSM parameter per chain; nothing else hard-codes an address.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ConfigDict

_Entry = TypeVar("_Entry")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TokenEntry(_Frozen):
    """A deployed token."""

    symbol: str
    name: str
    decimals: int
    address: str


class PoolEntry(_Frozen):
    """A deployed Uniswap V3 pool; ``token0`` is the lower address, as the pool stores it."""

    name: str
    token0: str
    token1: str
    fee: int
    tick_spacing: int
    address: str


class VaultEntry(_Frozen):
    """An ERC-4626 yield vault."""

    symbol: str
    name: str
    asset: str
    address: str


class UniswapV3Entry(_Frozen):
    """The Uniswap V3 core and periphery contracts."""

    factory: str
    swap_router: str
    quoter_v2: str
    position_manager: str


class TokenRule(_Frozen):
    """A new vault's limits on selling one token, in the token's base units."""

    token: str
    max_per_trade: int
    max_per_day: int
    signature_threshold: int


class VaultDefaults(_Frozen):
    """The rules a new trading vault starts with on this chain; its owner changes them on-chain."""

    max_slippage_bps: int
    routers: tuple[str, ...]
    tokens: tuple[TokenRule, ...]
    yield_vaults: tuple[str, ...]

    def initial_config(self) -> tuple[list[str], list[str], list[tuple[bool, int, int, int]], list[str]]:
        """``ITradingVault.InitialConfig`` as the ABI encodes it."""
        return (
            list(self.routers),
            [rule.token for rule in self.tokens],
            [(True, rule.max_per_trade, rule.max_per_day, rule.signature_threshold) for rule in self.tokens],
            list(self.yield_vaults),
        )


class DeploymentManifest(_Frozen):
    """Everything deployed on one chain that Tradewind uses."""

    chain_key: str
    chain_id: int
    deployer: str
    multicall3: str
    # Creates the users' TradingVaults; only the service's signer (its operator) may call it.
    trading_vault_factory: str
    # None where the service does not open vaults (no defaults published for the chain).
    vault_defaults: VaultDefaults | None = None
    uniswap_v3: UniswapV3Entry
    tokens: tuple[TokenEntry, ...]
    pools: tuple[PoolEntry, ...]
    vaults: tuple[VaultEntry, ...]

    def token(self, symbol: str) -> TokenEntry:
        """The token with ``symbol``."""
        return _by_key({token.symbol: token for token in self.tokens}, symbol)

    def pool(self, name: str) -> PoolEntry:
        """The pool named ``BASE/QUOTE`` as in the catalog, e.g. ``WETH/USDC``."""
        return _by_key({pool.name: pool for pool in self.pools}, name)

    def vault(self, symbol: str) -> VaultEntry:
        """The vault with ``symbol``."""
        return _by_key({vault.symbol: vault for vault in self.vaults}, symbol)


def _by_key(entries: dict[str, _Entry], key: str) -> _Entry:
    try:
        return entries[key]
    except KeyError:
        raise KeyError(f"{key!r} is not in the manifest (have {', '.join(entries)})") from None
