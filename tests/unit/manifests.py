"""A deployment manifest for unit tests: fixed placeholder addresses, tokens and rules chosen per test."""

from __future__ import annotations

from tradewind.deployments.manifest import DeploymentManifest, TokenEntry, UniswapV3Entry, VaultDefaults

SWAP_ROUTER = "0x" + "4" * 40


def placeholder(digit: str) -> str:
    """An address made of one repeated hex digit, easy to recognise in assertions."""
    return "0x" + digit * 40


def sample_manifest(
    tokens: tuple[TokenEntry, ...], vault_defaults: VaultDefaults | None
) -> DeploymentManifest:
    """A local-l1 manifest whose contracts sit at placeholder addresses."""
    return DeploymentManifest(
        chain_key="local-l1",
        chain_id=31337,
        deployer=placeholder("1"),
        multicall3=placeholder("2"),
        trading_vault_factory=placeholder("9"),
        uniswap_v3=UniswapV3Entry(
            factory=placeholder("3"),
            swap_router=SWAP_ROUTER,
            quoter_v2=placeholder("5"),
            position_manager=placeholder("6"),
        ),
        tokens=tokens,
        pools=(),
        vaults=(),
        vault_defaults=vault_defaults,
    )
