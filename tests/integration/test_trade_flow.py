"""The trade flow on the local cloud: the API starts the deployed state machine, whose Lambda tasks
run the real handlers, against real Uniswap V3 on anvil."""

from __future__ import annotations

import json
import time
import uuid
from decimal import Decimal
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient
from web3 import HTTPProvider, Web3

from localcloud import LocalCloud
from localcloud.market import artifacts, fund, swap
from tests.support.events import EVENTS_DIR
from tests.support.sessions import bearer, register_and_login

pytestmark = pytest.mark.integration

OWNER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"  # anvil test account 3
FINAL = {"confirmed", "failed", "rejected", "expired", "cancelled"}
TRADE_EVENT_SCHEMA = json.loads((EVENTS_DIR / "trades/trade_event.schema.json").read_text())


def _url(cloud: LocalCloud, chain_key: str) -> str:
    return next(chain.rpc_url for chain in cloud.chains if chain.key == chain_key)


@pytest.fixture(scope="module")
def account(client: TestClient, local_cloud: LocalCloud) -> dict[str, Any]:
    """A user with an active vault on L1 holding WETH and USDC, and auto-approval up to 5,000 USD."""
    session = bearer(register_and_login(client, "trader@example.com"))
    vault = client.post("/v1/vaults", json={"chain": "local-l1", "owner": OWNER}, headers=session).json()
    assert vault["status"] == "active", vault
    fund(
        _url(local_cloud, "local-l1"),
        local_cloud.manifest("local-l1"),
        vault["address"],
        Decimal(20_000),
        ("WETH", "USDC"),
    )
    profile = client.get("/v1/risk/profile", headers=session)
    body = profile.json()
    for stored_only in ("version", "updated_at"):
        body.pop(stored_only, None)
    body |= {
        "max_trade_usd": "5000",
        "max_daily_usd": "50000",
        "automation": {"auto_approve": True, "auto_approve_max_usd": "5000", "auto_approve_tokens": []},
    }
    updated = client.put(
        "/v1/risk/profile", json=body, headers={**session, "If-Match": profile.headers["ETag"]}
    )
    assert updated.status_code == 200, updated.text
    user_id = client.get("/v1/me", headers=session).json()["id"]
    return {"session": session, "vault": vault, "user_id": user_id}


@pytest.fixture(scope="module")
def outcomes(local_cloud: LocalCloud) -> str:
    """An SQS queue that a rule on the Tradewind bus sends every trade outcome to, as a partner would."""
    sqs, events = local_cloud.aws.client("sqs"), local_cloud.aws.client("events")
    queue_url: str = sqs.create_queue(QueueName="trade-outcomes")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    bus = local_cloud.deployment.outputs["EventBusName"]
    events.put_rule(
        Name="trade-outcomes", EventBusName=bus, EventPattern=json.dumps({"source": ["tradewind.trades"]})
    )
    events.put_targets(Rule="trade-outcomes", EventBusName=bus, Targets=[{"Id": "queue", "Arn": queue_arn}])
    return queue_url


def _submit(client: TestClient, account: dict[str, Any], key: str | None = None, **overrides: Any) -> Any:
    request = {
        "vault": account["vault"]["id"],
        "sell_token": "WETH",
        "buy_token": "USDC",
        "amount": "0.5",
        "side": "exact_in",
        "max_slippage_bps": 50,
        "deadline_s": 300,
    } | overrides
    headers = {**account["session"], "Idempotency-Key": key or uuid.uuid4().hex}
    return client.post("/v1/trades", json=request, headers=headers)


def _final(
    client: TestClient, account: dict[str, Any], trade_id: str, timeout_s: float = 60
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        trade: dict[str, Any] = client.get(f"/v1/trades/{trade_id}", headers=account["session"]).json()
        if trade["status"] in FINAL:
            return trade
        time.sleep(0.2)
    raise AssertionError(f"trade {trade_id} not final after {timeout_s} s: {trade}")


def _execution_status(cloud: LocalCloud, execution_arn: str) -> str:
    """The execution's status once it has ended (the Record state publishes after the trade is final)."""
    sfn = cloud.aws.client("stepfunctions")
    deadline = time.monotonic() + 30
    status: str = sfn.describe_execution(executionArn=execution_arn)["status"]
    while status == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.2)
        status = sfn.describe_execution(executionArn=execution_arn)["status"]
    return status


def test_an_auto_approved_trade_confirms_and_the_vault_changes_exactly_as_the_swap_says(
    client: TestClient, account: dict[str, Any], local_cloud: LocalCloud, outcomes: str
) -> None:
    # Given the vault's balances before
    w3 = Web3(HTTPProvider(_url(local_cloud, "local-l1")))
    manifest = local_cloud.manifest("local-l1")
    abi = artifacts.market("TestToken").abi
    weth = w3.eth.contract(address=Web3.to_checksum_address(manifest.token("WETH").address), abi=abi)
    usdc = w3.eth.contract(address=Web3.to_checksum_address(manifest.token("USDC").address), abi=abi)
    vault = Web3.to_checksum_address(account["vault"]["address"])
    before = (weth.functions.balanceOf(vault).call(), usdc.functions.balanceOf(vault).call())
    # When a 0.5 WETH -> USDC trade is submitted
    submitted = _submit(client, account)
    assert submitted.status_code == 202, submitted.text
    trade = _final(client, account, submitted.json()["trade_id"])
    # Then it went analyzing -> signing -> submitted -> confirmed
    assert trade["status"] == "confirmed", trade
    assert [step["status"] for step in trade["timeline"]] == [
        "analyzing",
        "signing",
        "submitted",
        "confirmed",
    ]
    # And the vault's balances changed by exactly the amounts recorded from the receipt's swap event
    after = (weth.functions.balanceOf(vault).call(), usdc.functions.balanceOf(vault).call())
    assert Decimal(before[0] - after[0]).scaleb(-18) == Decimal(trade["amount_in"]) == Decimal("0.5")
    assert Decimal(after[1] - before[1]).scaleb(-6) == Decimal(trade["amount_out"])
    # And the minimum output the slippage limit allows was what the vault enforced
    assert trade["risk"]["decision"] == "approve"
    assert int(trade["risk"]["min_amount_out"]) <= after[1] - before[1]
    assert Decimal(trade["effective_slippage_bps"]) <= 50
    assert trade["gas_used"] > 0
    receipt = w3.eth.get_transaction_receipt(trade["tx_hash"])
    assert receipt["status"] == 1
    # And every decision is in the user's audit log, whose chain verifies
    kinds = [e["kind"] for e in client.get("/v1/audit", headers=account["session"]).json()["items"]]
    assert [k for k in kinds if k in {"quote", "risk_assessed", "signed", "broadcast", "confirmed"}] == [
        "quote",
        "risk_assessed",
        "signed",
        "broadcast",
        "confirmed",
    ]
    assert client.get("/v1/audit/verify", headers=account["session"]).json()["ok"] is True
    # And the execution succeeded, and a TradeConfirmed event reached the bus, as its schema says
    machine = local_cloud.deployment.outputs["TradeStateMachineArn"]
    execution = machine.replace(":stateMachine:", ":execution:") + f":{trade['id']}"
    assert (
        local_cloud.aws.client("stepfunctions").describe_execution(executionArn=execution)["status"]
        == "SUCCEEDED"
    )
    received = local_cloud.aws.client("sqs").receive_message(QueueUrl=outcomes, MaxNumberOfMessages=10)
    events = [json.loads(m["Body"]) for m in received.get("Messages", [])]
    [confirmed] = [e for e in events if e["detail"]["trade_id"] == trade["id"]]
    assert confirmed["detail-type"] == "TradeConfirmed"
    jsonschema.validate(confirmed["detail"], TRADE_EVENT_SCHEMA)
    assert confirmed["detail"]["tx_hash"] == trade["tx_hash"]


def test_the_same_idempotency_key_twice_gives_one_trade_and_one_transaction(
    client: TestClient, account: dict[str, Any], local_cloud: LocalCloud
) -> None:
    key = uuid.uuid4().hex
    first = _submit(client, account, key=key, amount="0.1")
    again = _submit(client, account, key=key, amount="0.1")
    assert (first.status_code, again.status_code) == (202, 200)
    assert first.json()["trade_id"] == again.json()["trade_id"]
    trade = _final(client, account, first.json()["trade_id"])
    assert trade["status"] == "confirmed", trade
    # The same key with another amount is refused
    assert _submit(client, account, key=key, amount="0.2").status_code == 409


def test_a_trade_over_the_per_trade_limit_is_rejected_at_risk_and_nothing_is_signed(
    client: TestClient, account: dict[str, Any]
) -> None:
    submitted = _submit(client, account, amount="3")  # about 9,000 USD, over the 5,000 limit
    trade = _final(client, account, submitted.json()["trade_id"])
    assert trade["status"] == "rejected", trade
    assert trade["tx_hash"] is None
    assert "trade_limit_exceeded" in trade["error"]
    assert [step["status"] for step in trade["timeline"]] == ["analyzing", "rejected"]


def test_a_retried_signing_step_is_answered_from_the_idempotency_store(
    client: TestClient, account: dict[str, Any], local_cloud: LocalCloud
) -> None:
    # Given a confirmed trade
    trade = _final(client, account, _submit(client, account, amount="0.05").json()["trade_id"])
    assert trade["status"] == "confirmed", trade
    # When Step Functions retries its Sign step (the same command reaches the executor again)
    name = local_cloud.deployment.outputs["ChainExecutorFunctionName"]
    command = {"kind": "sign_trade", "trade_id": trade["id"], "user_id": account["user_id"]}
    answer = local_cloud.aws.client("lambda").invoke(FunctionName=name, Payload=json.dumps(command).encode())
    # Then it gets the first answer, the same transaction, instead of a refusal or a new signature
    assert "FunctionError" not in answer, answer["Payload"].read()
    assert json.loads(answer["Payload"].read())["tx_hash"] == trade["tx_hash"]
    # (without the store, signing a confirmed trade is refused); the store keeps completed steps,
    # keyed by a hash of the step and the trade
    table = local_cloud.deployment.outputs["IdempotencyTableName"]
    items = local_cloud.aws.client("dynamodb").scan(TableName=table)["Items"]
    steps = [item for item in items if "_sign_or_broadcast" in item["id"]["S"]]
    assert steps
    assert {item["status"]["S"] for item in steps} == {"COMPLETED"}


def test_the_minimum_output_from_the_slippage_limit_is_enforced_on_chain(
    client: TestClient, account: dict[str, Any], local_cloud: LocalCloud
) -> None:
    # Given a trade quoted, risk-checked and waiting for approval (auto-approval off for this one)
    session = account["session"]
    profile = client.get("/v1/risk/profile", headers=session)
    manual = {k: v for k, v in profile.json().items() if k not in {"version", "updated_at"}}
    manual["automation"] = {**manual["automation"], "auto_approve": False}
    headers = {**session, "If-Match": profile.headers["ETag"]}
    assert client.put("/v1/risk/profile", json=manual, headers=headers).status_code == 200
    trade_id = _submit(client, account, amount="0.2").json()["trade_id"]
    waiting = _final_or(client, account, trade_id, {"awaiting_approval"})
    minimum = int(waiting["risk"]["min_amount_out"])
    # When the market moves against it by more than its 50 bps before it is signed
    url, manifest = _url(local_cloud, "local-l1"), local_cloud.manifest("local-l1")
    mover = Web3.to_checksum_address("0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f")  # anvil account 8
    sold = fund(url, manifest, mover, Decimal(45_000), ("WETH",))["WETH"]
    swap(url, manifest, mover, "WETH/USDC", sell="WETH", amount=sold)
    try:
        approved = client.post(f"/v1/trades/{trade_id}/approve", json={}, headers=session)
        assert approved.status_code == 200, approved.text
        trade = _final(client, account, trade_id)
    finally:
        usdc = Web3(HTTPProvider(url)).eth.contract(
            address=Web3.to_checksum_address(manifest.token("USDC").address),
            abi=artifacts.market("TestToken").abi,
        )
        swap(url, manifest, mover, "WETH/USDC", sell="USDC", amount=usdc.functions.balanceOf(mover).call())
    # Then the chain refused the swap (the router's own check, already when the gas was estimated)
    # rather than deliver less than the minimum: nothing was sent, and the trade says why
    assert trade["status"] == "failed", trade
    assert trade["tx_hash"] is None
    assert trade["error"] == (
        "TransactionRejected: eth_estimateGas reverted: execution reverted: Too little received"
    )
    # And the minimum it held was the quote less the trade's 50 bps, rounded up as the vault requires
    quoted = int(waiting["quote"]["quote"]["amount_out"])
    assert minimum == -(-quoted * 9_950 // 10_000)


def _final_or(client: TestClient, account: dict[str, Any], trade_id: str, statuses: set[str]) -> Any:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        trade = client.get(f"/v1/trades/{trade_id}", headers=account["session"]).json()
        if trade["status"] in statuses | FINAL:
            return trade
        time.sleep(0.2)
    raise AssertionError(f"trade {trade_id} never reached {statuses}")
