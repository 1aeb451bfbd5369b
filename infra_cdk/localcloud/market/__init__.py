"""The local DeFi market: tokens, Uniswap V3 pools, Multicall3 and yield vaults on each local chain."""

from localcloud.market.deploy import deploy_market
from localcloud.market.errors import MarketDeployFailed
from localcloud.market.manifest import load_manifest, manifest_path, write_manifest

__all__ = [
    "MarketDeployFailed",
    "deploy_market",
    "load_manifest",
    "manifest_path",
    "write_manifest",
]
