"""The local demo account: a user, and a funded trading vault on each local chain."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel

from localcloud.cloud import LocalCloud
from localcloud.market import fund
from tradewind.api.container import Services
from tradewind.vaults.models import VaultStatus, VaultView

# anvil's well-known test account 1: its key is printed by anvil, so the demo user can act as the
# vaults' owner from a local wallet. Account 0 deploys the market and must stay separate.
DEMO_VAULT_OWNER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
DEMO_FUNDING_USD = Decimal(10_000)
DEMO_FUNDING_SYMBOLS = ("USDC", "DAI", "WETH", "WBTC")


class DemoAccount(BaseModel):
    """What was seeded."""

    user_id: str
    vaults: list[VaultView]


def seed_demo(services: Services, cloud: LocalCloud, email: str, password: str) -> DemoAccount:
    """Create the demo user, open its vault on every local chain through the API's own path, fund them."""
    user = services.accounts.ensure_user(email, password)
    opened = {vault.chain for vault in services.vaults.list(user.id)}
    for chain in cloud.chains:
        if chain.key in opened:
            continue
        vault = services.vaults.open(user.id, chain.key, DEMO_VAULT_OWNER)
        if vault.status is not VaultStatus.ACTIVE or vault.address is None:
            raise RuntimeError(f"the demo vault on {chain.key} did not open: {vault.status} {vault.error}")
        fund(chain.rpc_url, cloud.manifest(chain.key), vault.address, DEMO_FUNDING_USD, DEMO_FUNDING_SYMBOLS)
    return DemoAccount(user_id=user.id, vaults=services.vaults.list(user.id))
