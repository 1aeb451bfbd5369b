"""The local DeFi market: tokens, Uniswap V3 pools, Multicall3, yield vaults and a vault factory per chain."""

from localcloud.market.deploy import deploy_market
from localcloud.market.errors import MarketDeployFailed
from localcloud.market.funding import fund, vault_defaults
from localcloud.market.liquidity import MintedPosition, mint_position, swap
from localcloud.market.manifest import load_manifest, manifest_path, write_manifest

__all__ = [
    "MarketDeployFailed",
    "MintedPosition",
    "deploy_market",
    "fund",
    "load_manifest",
    "manifest_path",
    "mint_position",
    "swap",
    "vault_defaults",
    "write_manifest",
]
