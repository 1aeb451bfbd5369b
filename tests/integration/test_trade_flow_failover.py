"""The trade flow when a chain's first RPC URL fails: a local cloud of its own, whose functions all
list a URL that drops every request before each node's, and try it on every call."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aws_lambda_powertools.utilities import parameters
from fastapi.testclient import TestClient
from web3 import HTTPProvider, Web3

from localcloud import LocalCloud, LocalCloudConfig
from tests.support.dropping_rpc import DroppingRpcEndpoint
from tests.support.trades import ANVIL_KEY_2, address_of, open_trader, rpc_url, submitted_id, wait_for
from tradewind.aws import clients

pytestmark = pytest.mark.integration

AUTO_APPROVED = {
    "max_trade_usd": "5000",
    "max_daily_usd": "50000",
    "automation": {"auto_approve": True, "auto_approve_max_usd": "5000", "auto_approve_tokens": []},
}


@pytest.fixture(scope="module")
def dropping_rpc() -> Iterator[DroppingRpcEndpoint]:
    """A loopback URL that reads each JSON-RPC request and closes the connection unanswered."""
    with DroppingRpcEndpoint() as endpoint:
        yield endpoint


@pytest.fixture(scope="module")
def local_cloud(
    tmp_path_factory: pytest.TempPathFactory, dropping_rpc: DroppingRpcEndpoint
) -> Iterator[LocalCloud]:
    """This module's own cloud: every function's RPC URLs start with the dropping one."""
    config = LocalCloudConfig(
        aws_port=0,
        l1_port=0,
        l2_port=0,
        work_dir=tmp_path_factory.mktemp("localcloud"),
        rpc_url_first=dropping_rpc.url,
    )
    with LocalCloud(config) as cloud:
        # As conftest's fixture does: per-process caches may still point at an earlier module's cloud.
        clients.client.cache_clear()
        parameters.clear_caches()  # type: ignore[no-untyped-call]
        yield cloud


def test_a_trade_confirms_through_the_next_url_when_the_first_drops_the_broadcast(
    client: TestClient, local_cloud: LocalCloud, dropping_rpc: DroppingRpcEndpoint
) -> None:
    # Given functions whose first RPC URL for every chain drops each request, and a funded vault
    trader = open_trader(client, local_cloud, "failover@example.com", address_of(ANVIL_KEY_2), AUTO_APPROVED)
    dropped_before = dropping_rpc.methods
    # When an auto-approved trade goes through the flow
    trade_id = submitted_id(client, trader, amount="0.1")
    trade = wait_for(client, trader, trade_id)
    # Then it confirmed, through every step
    assert trade["status"] == "confirmed", trade
    assert [step["status"] for step in trade["timeline"]] == [
        "analyzing",
        "signing",
        "submitted",
        "confirmed",
    ]
    # And the broadcast, like the other calls of the flow, went to the dropping URL first
    dropped = dropping_rpc.methods - dropped_before
    assert dropped["eth_sendRawTransaction"] >= 1, dropped
    assert dropped["eth_getTransactionReceipt"] >= 1, dropped
    # And the transaction the node mined is the trade's, once
    w3 = Web3(HTTPProvider(rpc_url(local_cloud, "local-l1")))
    receipt = w3.eth.get_transaction_receipt(trade["tx_hash"])
    assert receipt["status"] == 1
    assert receipt["to"] == Web3.to_checksum_address(trader.vault["address"])
