"""The local demo account: a user, a funded trading vault on each local chain, and the owner's LP wallet."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel

from localcloud.chains import LocalChain, set_balance
from localcloud.cloud import LocalCloud
from localcloud.market import fund, mint_position, swap
from tradewind.api.container import Services
from tradewind.vaults.models import VaultStatus, VaultView

# anvil's well-known test account 1: its key is printed by anvil, so the demo user can act as the
# vaults' owner from a local wallet. Account 0 deploys the market and must stay separate.
DEMO_VAULT_OWNER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
DEMO_FUNDING_USD = Decimal(10_000)
DEMO_FUNDING_SYMBOLS = ("USDC", "DAI", "WETH", "WBTC")
# The owner's wallet also provides liquidity, so the portfolio shows a Uniswap V3 position: this much
# of each token offered, in a range of +-100 tick spacings (~10 %), then trades worth DEMO_SWAP_USD
# each way through the pool, so that it has earned fees.
DEMO_LIQUIDITY_POOL = "WETH/USDC"
DEMO_LIQUIDITY_USD = Decimal(5_000)
DEMO_SWAP_USD = Decimal(20_000)
# anvil starts every test account with 10,000 ETH, which would be 30 M USD of the demo portfolio:
# the owner keeps what a person would hold for gas and some exposure.
DEMO_OWNER_ETH_WEI = 5 * 10**18


class DemoAccount(BaseModel):
    """What was seeded."""

    user_id: str
    vaults: list[VaultView]


def seed_demo(services: Services, cloud: LocalCloud, email: str, password: str) -> DemoAccount:
    """Create the demo user, open its vault on every local chain through the API's own path, fund them.

    The user also watches the vaults' owner's wallet, which provides liquidity that has earned fees.
    """
    user = services.accounts.ensure_user(email, password)
    opened = {vault.chain for vault in services.vaults.list(user.id)}
    for chain in cloud.chains:
        if chain.key in opened:
            continue
        vault = services.vaults.open(user.id, chain.key, DEMO_VAULT_OWNER)
        if vault.status is not VaultStatus.ACTIVE or vault.address is None:
            raise RuntimeError(f"the demo vault on {chain.key} did not open: {vault.status} {vault.error}")
        fund(chain.rpc_url, cloud.manifest(chain.key), vault.address, DEMO_FUNDING_USD, DEMO_FUNDING_SYMBOLS)
        services.wallets.add(user.id, chain.key, DEMO_VAULT_OWNER, "vault owner")
        _provide_liquidity(cloud, chain)
    return DemoAccount(user_id=user.id, vaults=services.vaults.list(user.id))


def _provide_liquidity(cloud: LocalCloud, chain: LocalChain) -> None:
    """An in-range position of the vaults' owner, and the deployer trading through it both ways."""
    manifest = cloud.manifest(chain.key)
    pool = manifest.pool(DEMO_LIQUIDITY_POOL)
    offered = fund(chain.rpc_url, manifest, DEMO_VAULT_OWNER, DEMO_LIQUIDITY_USD, (pool.token0, pool.token1))
    mint_position(chain.rpc_url, manifest, DEMO_VAULT_OWNER, pool.name, desired=offered, spacings=(-100, 100))
    set_balance(chain.rpc_url, DEMO_VAULT_OWNER, DEMO_OWNER_ETH_WEI)
    traded = fund(chain.rpc_url, manifest, manifest.deployer, DEMO_SWAP_USD, (pool.token0, pool.token1))
    for symbol in (pool.token0, pool.token1):
        swap(chain.rpc_url, manifest, manifest.deployer, pool.name, sell=symbol, amount=traded[symbol])
