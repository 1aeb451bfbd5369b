"""The scheduled sync and the price recorder on the local cloud: schedule -> planner -> SQS -> sync.

The schedules are fired and the queue drained by the local cloud's driver and poller, which do
what EventBridge and Lambda's SQS poller do on AWS; the functions are the deployed ones.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from web3 import HTTPProvider, Web3

from localcloud import LocalCloud
from localcloud.market import fund
from tests.support.chain_contracts import unlisted_token
from tests.support.sessions import bearer, register_and_login

pytestmark = pytest.mark.integration

WALLET = "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955"  # anvil test account 7
USD_EACH = Decimal(1000)
UNLISTED_RAW = 1_500_000_000  # 1.5 of a 9-decimal token


def _url(cloud: LocalCloud, chain_key: str) -> str:
    return next(chain.rpc_url for chain in cloud.chains if chain.key == chain_key)


def _function_arn(cloud: LocalCloud, output_id: str) -> str:
    name = cloud.deployment.outputs[output_id]
    arn: str = cloud.aws.client("lambda").get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    return arn


def _rule_of(cloud: LocalCloud, output_id: str) -> str:
    """The name of the scheduled rule whose target is the function behind ``output_id``."""
    arn = _function_arn(cloud, output_id)
    return next(
        rule.name
        for rule in cloud.schedules.rules()
        if any(target.arn == arn for target, _ in cloud.schedules.targets(rule))
    )


@pytest.fixture(scope="module")
def session(client: TestClient, local_cloud: LocalCloud) -> dict[str, str]:
    """A user watching WALLET on both chains, funded with USDC and WETH on L1 and DAI on L2."""
    headers = bearer(register_and_login(client, "sync@example.com"))
    for chain in ("local-l1", "local-l2"):
        added = client.post(
            "/v1/wallets", json={"chain": chain, "address": WALLET, "label": chain}, headers=headers
        )
        assert added.status_code == 201, added.text
    fund(_url(local_cloud, "local-l1"), local_cloud.manifest("local-l1"), WALLET, USD_EACH, ("USDC", "WETH"))
    fund(_url(local_cloud, "local-l2"), local_cloud.manifest("local-l2"), WALLET, USD_EACH, ("DAI",))
    return headers


@pytest.fixture(scope="module")
def unlisted(session: dict[str, str], local_cloud: LocalCloud) -> str:
    """A token no manifest lists, sent to WALLET on L1 before any sync: only discovery can find it."""
    w3 = Web3(HTTPProvider(_url(local_cloud, "local-l1")))
    return str(unlisted_token(w3, "TWS", 9, WALLET, UNLISTED_RAW).address)


def _run_sync(cloud: LocalCloud) -> list[Any]:
    """Fire the sync schedule once and drain the queue; the batches delivered."""
    [delivery] = cloud.schedules.fire(_rule_of(cloud, "SyncPlannerFunctionName"))
    assert delivery.function_error is None, delivery.function_error
    return cloud.event_sources.drain()


def test_a_scheduled_round_refreshes_every_holder_and_the_portfolio_is_served_from_it(
    client: TestClient, session: dict[str, str], unlisted: str, local_cloud: LocalCloud
) -> None:
    # When the sync schedule fires and its queue is drained
    batches = _run_sync(local_cloud)
    # Then the sync function got one message per holder (this user's two and any other module's)
    # and none failed
    assert sum(len(batch.message_ids) for batch in batches) >= 2
    assert all(batch.failed_ids == [] and batch.function_error is None for batch in batches)
    # And the user's history has a point worth the funded tokens plus the wallet's native ETH
    points = client.get("/v1/portfolio/history", params={"period": "24h"}, headers=session).json()["points"]
    synced = Decimal(points[-1]["total_usd"])
    assert synced > USD_EACH * 3
    # When more is sent to the wallet after the sync
    fund(_url(local_cloud, "local-l2"), local_cloud.manifest("local-l2"), WALLET, USD_EACH, ("DAI",))
    # Then GET /v1/portfolio still answers from the sync's snapshots (no chain read), with their age
    served = client.get("/v1/portfolio", headers=session).json()
    assert Decimal(served["total_usd"]) == synced
    assert all(chain["status"] == "fresh" and chain["age_s"] > 0 for chain in served["by_chain"].values())
    # And the token only the sync's discovery could know is there, by its address, exact and unpriced
    [found] = [p for p in served["positions"] if p["symbol"] == unlisted]
    assert (found["chain"], Decimal(found["amount"]), found["usd"]) == ("local-l1", Decimal("1.5"), None)
    assert unlisted in served["unpriced"]
    # And a refresh reads the chains now and records the deposit as a flow, not as market movement
    refreshed = client.post("/v1/portfolio/refresh", headers=session).json()
    dai_flow = Decimal(refreshed["by_token"]["DAI"]["usd"]) - Decimal(served["by_token"]["DAI"]["usd"])
    assert abs(dai_flow - USD_EACH) < Decimal(5)
    performance = client.get("/v1/portfolio/performance", params={"period": "24h"}, headers=session).json()
    assert Decimal(performance["end_usd"]) == Decimal(refreshed["total_usd"])
    assert abs(Decimal(performance["by_token"]["DAI"]["flows_usd"]) - dai_flow) < Decimal("0.02")
    assert Decimal(performance["by_token"]["DAI"]["market_usd"]) == 0


def test_the_recorded_price_is_the_history_the_market_endpoints_draw(
    client: TestClient, local_cloud: LocalCloud
) -> None:
    # When the price recorder's schedule fires
    [delivery] = local_cloud.schedules.fire(_rule_of(local_cloud, "PriceRecorderFunctionName"))
    # Then it recorded every token of the pricing chain and ETH, none flagged
    assert delivery.function_error is None, delivery.function_error
    name = local_cloud.deployment.outputs["PriceRecorderFunctionName"]
    answer = local_cloud.aws.client("lambda").invoke(FunctionName=name, Payload=b"{}")
    recorded = json.loads(answer["Payload"].read())
    assert {"ETH", "WETH", "USDC", "WBTC", "DAI", "LINK"} <= set(recorded["recorded"])
    assert recorded["flagged"] == []
    # And ETH's 24h history has one candle at the price the API quotes now, and its analysis counts it;
    # the second run, within the price cache's lifetime, stored the same observation again, not a copy
    price = Decimal(client.get("/v1/market/prices", params={"symbols": "ETH"}).json()["items"][0]["usd"])
    candles = client.get("/v1/market/eth/history", params={"period": "24h"}).json()["candles"]
    assert len(candles) == 1
    assert candles[0]["samples"] == 1
    assert abs(Decimal(candles[0]["close"]) / price - 1) < Decimal("0.01")
    analysis = client.get("/v1/market/ETH/analysis", params={"period": "24h"}).json()["analysis"]
    assert analysis["candles"] == 1
    assert analysis["max_drawdown"] is None


def test_a_chain_that_does_not_answer_fails_only_its_holders_message_until_it_dead_letters(
    session: dict[str, str], local_cloud: LocalCloud
) -> None:
    # Given L2's node stopped (last in this module: the cloud is not used afterwards) and the sync
    # queue showing a failed message again at once instead of after six minutes
    queue_url = local_cloud.deployment.outputs["SyncQueueUrl"]
    sqs = local_cloud.aws.client("sqs")
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"VisibilityTimeout": "0"})
    local_cloud.stop_chain("local-l2")
    # When the sync schedule fires and the queue is drained
    batches = _run_sync(local_cloud)
    # Then every batch reported only L2 holders' messages as failed, and deleted the rest
    bodies: dict[str, dict[str, Any]] = {}
    for batch in batches:
        assert batch.function_error is None
    failed = {message_id for batch in batches for message_id in batch.failed_ids}
    deleted = {message_id for batch in batches for message_id in batch.deleted_ids}
    assert failed
    assert deleted
    assert not failed & deleted
    # And each failed message was received three times, then moved to the dead-letter queue
    dead_letters = local_cloud.deployment.outputs["SyncDeadLetterQueueUrl"]
    received = sqs.receive_message(QueueUrl=dead_letters, MaxNumberOfMessages=10, AttributeNames=["All"])
    for message in received.get("Messages", []):
        bodies[message["MessageId"]] = json.loads(message["Body"])
        # The count carries over to the dead-letter queue: three deliveries, then this receive
        assert message["Attributes"]["ApproximateReceiveCount"] == "4"
    assert set(bodies) == failed
    assert {body["chain"] for body in bodies.values()} == {"local-l2"}
    attempts = [batch for batch in batches if set(batch.failed_ids) & failed]
    assert len(attempts) == 3
