"""GET /v1/portfolio on the local cloud: a wallet on L1 and a vault on L2, valued by the local pools."""

from __future__ import annotations

import socket
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from web3 import HTTPProvider, Web3

from localcloud import LocalCloud
from localcloud.market import fund
from tests.support.sessions import bearer, register_and_login
from tradewind.chains.batch import HttpxTransport
from tradewind.chains.registry import ChainRegistry
from tradewind.deployments.manifest import DeploymentManifest
from tradewind.holdings.reader import HoldingsReader
from tradewind.holdings.settings import HoldingsSettings
from tradewind.portfolio.snapshots import DynamoSnapshotSource

pytestmark = pytest.mark.integration

WALLET = "0x976EA74026E726554dB657fA54763abd0C3a0aa9"  # anvil test account 6
USD_EACH = Decimal(500)
L1_SYMBOLS = ("USDC", "WETH")
L2_SYMBOLS = ("USDC", "DAI")


def _url(cloud: LocalCloud, chain_key: str) -> str:
    return next(chain.rpc_url for chain in cloud.chains if chain.key == chain_key)


class CloudManifests:
    """ManifestSource over the local cloud's manifests."""

    def __init__(self, cloud: LocalCloud) -> None:
        self.cloud = cloud

    def manifest(self, chain_key: str) -> DeploymentManifest:
        return self.cloud.manifest(chain_key)


@pytest.fixture(scope="module")
def session(client: TestClient) -> dict[str, str]:
    return bearer(register_and_login(client, "portfolio@example.com"))


@pytest.fixture(scope="module")
def funded(client: TestClient, session: dict[str, str], local_cloud: LocalCloud) -> dict[str, Any]:
    """The user watches WALLET on L1 (funded with USDC and WETH) and has a vault on L2 (USDC and DAI)."""
    assert WALLET in Web3(HTTPProvider(_url(local_cloud, "local-l1"))).eth.accounts
    watched = client.post(
        "/v1/wallets", json={"chain": "local-l1", "address": WALLET, "label": "main"}, headers=session
    )
    assert watched.status_code == 201, watched.text
    opened = client.post("/v1/vaults", json={"chain": "local-l2", "owner": WALLET}, headers=session)
    assert opened.status_code == 202, opened.text
    vault: dict[str, Any] = opened.json()
    assert vault["status"] == "active", vault
    fund(_url(local_cloud, "local-l1"), local_cloud.manifest("local-l1"), WALLET, USD_EACH, L1_SYMBOLS)
    fund(
        _url(local_cloud, "local-l2"),
        local_cloud.manifest("local-l2"),
        vault["address"],
        USD_EACH,
        L2_SYMBOLS,
    )
    return vault


def _close(actual: str | Decimal, expected: Decimal) -> bool:
    return abs(Decimal(actual) / expected - 1) < Decimal("0.01")


def test_the_portfolio_values_the_funded_wallet_and_vault_live(
    client: TestClient, session: dict[str, str], funded: dict[str, Any], local_cloud: LocalCloud
) -> None:
    # Given a wallet funded with 500 USD each of USDC and WETH on L1 and a vault with USDC and DAI on L2
    # When the user asks for their portfolio
    response = client.get("/v1/portfolio", headers=session)
    # Then both chains were read fresh
    assert response.status_code == 200, response.text
    body = response.json()
    assert {key: (c["status"], c["stale"]) for key, c in body["by_chain"].items()} == {
        "local-l1": ("fresh", False),
        "local-l2": ("fresh", False),
    }
    # And the funded tokens are worth what was sent, within 1%, priced by the local pools (ETH ~3,000)
    assert _close(body["by_chain"]["local-l2"]["usd"], USD_EACH * len(L2_SYMBOLS))
    assert _close(body["by_token"]["ETH"]["price_usd"], Decimal(3000))
    assert body["by_token"]["WETH"]["price_usd"] == body["by_token"]["ETH"]["price_usd"]
    funded_usd = USD_EACH * (len(L1_SYMBOLS) + len(L2_SYMBOLS))
    # The wallet is an anvil account, so it also holds its native ETH: the total is that plus the funding
    native = [p for p in body["positions"] if p["kind"] == "native"]
    assert [(p["chain"], p["holder"], p["symbol"]) for p in native] == [("local-l1", WALLET, "ETH")]
    wei = Web3(HTTPProvider(_url(local_cloud, "local-l1"))).eth.get_balance(Web3.to_checksum_address(WALLET))
    eth_usd = Decimal(wei).scaleb(-18) * Decimal(body["by_token"]["ETH"]["price_usd"])
    assert abs(Decimal(native[0]["usd"]) - eth_usd) <= Decimal("0.01")
    assert _close(Decimal(body["total_usd"]) - Decimal(native[0]["usd"]), funded_usd)
    assert Decimal(body["total_usd"]) == sum(Decimal(p["usd"]) for p in body["positions"])
    # And each position names its holder, the vault's by its record
    holders = {(p["chain"], p["symbol"]): (p["holder_kind"], p["holder"]) for p in body["positions"]}
    assert holders[("local-l2", "DAI")] == ("vault", funded["address"])
    assert holders[("local-l1", "WETH")] == ("wallet", WALLET)
    assert sum(Decimal(share) for share in body["allocation"].values()) == Decimal(100)
    assert body["unpriced"] == []


def test_each_fresh_read_leaves_a_snapshot_that_a_dead_chain_is_served_from(
    client: TestClient, session: dict[str, str], funded: dict[str, Any], local_cloud: LocalCloud
) -> None:
    # Given a portfolio read, which saved each owner's holdings in the accounts table
    live = client.get("/v1/portfolio", headers=session).json()
    # When L2 stops answering (a registry pointing at a port nothing listens on)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    chains = ChainRegistry.select(["local-l2"], {"local-l2": [dead]})
    transport = HttpxTransport(timeout_s=2.0)
    try:
        reader = HoldingsReader(
            chains,
            CloudManifests(local_cloud),
            DynamoSnapshotSource(),
            settings=HoldingsSettings(),
            transport=transport,
        )
        [stale] = reader.read({"local-l2": [funded["address"]]})
    finally:
        transport.close()
    # Then the vault's holdings come from its snapshot, marked stale, with the same balances
    assert stale.status == "stale"
    assert stale.age_s is not None
    assert stale.age_s >= 0
    [vault] = stale.holdings
    assert vault.owner == funded["address"]
    balances = {t.symbol: t.amount for t in vault.tokens if t.raw}
    live_l2 = {p["symbol"]: p["amount"] for p in live["positions"] if p["chain"] == "local-l2"}
    assert {s: Decimal(a) for s, a in balances.items()} == {s: Decimal(a) for s, a in live_l2.items()}
