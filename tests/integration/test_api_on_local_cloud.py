"""The API on the local cloud: real DynamoDB, Secrets Manager and KMS in the emulator, real anvil chains."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import httpx
import jwt
import pytest
from fastapi.testclient import TestClient

from localcloud import LocalCloud
from localcloud.market.catalog import TOKENS
from tests.support.events import api_gateway_request
from tests.support.sessions import PASSWORD, bearer, register_and_login
from tradewind.api.app import create_app
from tradewind.api.settings import ApiSettings
from tradewind.chains.rpc import json_rpc
from tradewind.health.probes import DynamoTableProbe, KmsKeyProbe, Probe
from tradewind.health.service import HealthService

pytestmark = pytest.mark.integration

ADDRESS = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
DECIMALS_SELECTOR = "0x313ce567"  # decimals()


def _table_items(local_cloud: LocalCloud) -> list[dict[str, Any]]:
    table = local_cloud.deployment.outputs["AccountsTableName"]
    items: list[dict[str, Any]] = local_cloud.aws.client("dynamodb").scan(TableName=table)["Items"]
    return items


def test_health_reports_every_dependency(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert {dep["name"] for dep in body["dependencies"]} == {
        "dynamodb",
        "kms",
        "chain:local-l1",
        "chain:local-l2",
    }


def test_health_names_a_chain_that_is_down_and_fails_over_past_a_dead_url(
    api_environment: dict[str, str], closed_port: int
) -> None:
    # Given L1 whose first RPC URL is dead but whose second answers, and L2 with only a dead URL
    live = json.loads(api_environment["TRADEWIND_RPC_URLS"])
    dead = f"http://127.0.0.1:{closed_port}"
    settings = ApiSettings.from_environment(
        {
            **api_environment,
            "TRADEWIND_RPC_URLS": json.dumps({"local-l1": [dead, *live["local-l1"]], "local-l2": [dead]}),
        }
    )
    with TestClient(create_app(settings)) as degraded:
        # When health is asked
        response = degraded.get("/health")
    # Then it is 503 naming L2 only: L1 failed over to its next URL
    assert response.status_code == 503
    assert response.json()["failed"] == ["chain:local-l2"]


def test_health_names_dynamodb_when_its_table_is_missing(
    client: TestClient, api_environment: dict[str, str]
) -> None:
    # Given the real probes, but the table probe pointed at a table that does not exist
    services = client.app.state.services  # type: ignore[attr-defined]
    probes: list[Probe] = [
        DynamoTableProbe("no-such-table"),
        KmsKeyProbe(api_environment["TRADEWIND_SIGNER_KEY_ID"]),
    ]
    degraded = create_app(services=replace(services, health=HealthService(probes)))
    # When health is asked
    with TestClient(degraded) as degraded_client:
        response = degraded_client.get("/health")
    # Then DynamoDB, and only DynamoDB, is named
    assert response.status_code == 503
    assert response.json()["failed"] == ["dynamodb"]


def test_access_tokens_are_signed_with_the_secret_from_secrets_manager(
    client: TestClient, local_cloud: LocalCloud, api_environment: dict[str, str]
) -> None:
    tokens = register_and_login(client, "signer@example.com")
    secret = local_cloud.aws.client("secretsmanager").get_secret_value(
        SecretId=api_environment["TRADEWIND_JWT_SECRET_ID"]
    )["SecretString"]
    claims = jwt.decode(tokens["access_token"], secret, algorithms=["HS256"])
    assert claims["typ"] == "access"
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 900


def test_session_lifecycle_on_dynamodb(client: TestClient) -> None:
    # Given a logged-in user who refreshed once
    first = register_and_login(client, "lifecycle@example.com")
    assert client.get("/v1/me", headers=bearer(first)).json()["email"] == "lifecycle@example.com"
    second = client.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}).json()
    # When the spent refresh token is replayed
    replay = client.post("/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    # Then it is refused and the whole family is revoked
    assert replay.status_code == 401
    assert client.post("/v1/auth/refresh", json={"refresh_token": second["refresh_token"]}).status_code == 401
    assert client.get("/v1/me", headers=bearer(second)).status_code == 401
    # And a new login starts a new, working session that logout ends
    third = client.post(
        "/v1/auth/login", json={"email": "lifecycle@example.com", "password": PASSWORD}
    ).json()
    assert client.post("/v1/auth/logout", json={"refresh_token": third["refresh_token"]}).status_code == 204
    assert client.post("/v1/auth/refresh", json={"refresh_token": third["refresh_token"]}).status_code == 401


def test_a_refresh_token_raced_by_two_clients_is_used_once(client: TestClient) -> None:
    tokens = register_and_login(client, "race@example.com")

    def use(_: int) -> int:
        response = client.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        status: int = response.status_code
        return status

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(use, range(8)))
    assert statuses.count(200) <= 1
    assert statuses.count(401) >= 7


def test_concurrent_registrations_of_one_email_create_one_account(
    client: TestClient, local_cloud: LocalCloud
) -> None:
    def register(_: int) -> int:
        payload = {"email": "twice@example.com", "password": PASSWORD}
        response = client.post("/v1/auth/register", json=payload)
        status: int = response.status_code
        return status

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(register, range(6)))
    assert sorted(statuses) == [201, 409, 409, 409, 409, 409]
    claims = [item for item in _table_items(local_cloud) if item["pk"]["S"] == "EMAIL#twice@example.com"]
    assert len(claims) == 1


def test_login_throttle_state_lives_in_dynamodb_with_a_ttl(
    client: TestClient, local_cloud: LocalCloud
) -> None:
    register_and_login(client, "throttle@example.com")
    for _ in range(5):
        wrong = client.post(
            "/v1/auth/login", json={"email": "throttle@example.com", "password": "wrong-horse-1"}
        )
        assert wrong.status_code == 401
    limited = client.post("/v1/auth/login", json={"email": "throttle@example.com", "password": PASSWORD})
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    counters = [i for i in _table_items(local_cloud) if i["pk"]["S"] == "LOGINFAIL#throttle@example.com"]
    assert counters
    assert counters[0]["failures"]["N"] == "5"
    assert int(counters[0]["expires_at"]["N"]) > 0


def test_api_key_secrets_are_never_stored(client: TestClient, local_cloud: LocalCloud) -> None:
    session = bearer(register_and_login(client, "keys@example.com"))
    created = client.post("/v1/api-keys", json={"name": "bot", "scopes": ["read", "trade"]}, headers=session)
    assert created.status_code == 201
    secret = created.json()["secret"]
    assert secret not in json.dumps(_table_items(local_cloud))
    assert client.get("/v1/me", headers={"X-API-Key": secret}).json()["scopes"] == ["read", "trade"]
    assert client.delete(f"/v1/api-keys/{created.json()['id']}", headers=session).status_code == 204
    assert client.get("/v1/me", headers={"X-API-Key": secret}).status_code == 401


def test_wallets_are_isolated_between_users(client: TestClient) -> None:
    alice = bearer(register_and_login(client, "alice@example.com"))
    mallory = bearer(register_and_login(client, "mallory@example.com"))
    wallet = client.post(
        "/v1/wallets", json={"chain": "local-l1", "address": ADDRESS, "label": "hot"}, headers=alice
    )
    assert wallet.status_code == 201
    assert wallet.json()["address"] == ADDRESS
    again = client.post("/v1/wallets", json={"chain": "local-l1", "address": ADDRESS.lower()}, headers=alice)
    assert again.status_code == 409
    on_l2 = client.post("/v1/wallets", json={"chain": "local-l2", "address": ADDRESS}, headers=alice)
    assert on_l2.status_code == 201
    assert client.get("/v1/wallets", headers=mallory).json()["items"] == []
    assert client.delete(f"/v1/wallets/{wallet.json()['id']}", headers=mallory).status_code == 404
    assert [w["chain"] for w in client.get("/v1/wallets", headers=alice).json()["items"]] == [
        "local-l1",
        "local-l2",
    ]


def test_the_deployed_lambda_function_serves_the_same_api(
    client: TestClient, local_cloud: LocalCloud
) -> None:
    # Given the API function deployed by the CDK stack, run in-process by the emulator's Lambda
    lambda_client = local_cloud.aws.client("lambda")
    function = local_cloud.deployment.outputs["ApiFunctionName"]
    event = api_gateway_request(
        "POST", "/v1/auth/register", {"email": "lambda@example.com", "password": PASSWORD}
    )
    # When API Gateway's proxy event for a registration is invoked
    answer = lambda_client.invoke(FunctionName=function, Payload=json.dumps(event).encode())
    response = json.loads(answer["Payload"].read())
    # Then the user exists for the API served by uvicorn/TestClient as well
    assert response["statusCode"] == 201
    assert json.loads(response["body"])["email"] == "lambda@example.com"
    duplicate = client.post("/v1/auth/register", json={"email": "lambda@example.com", "password": PASSWORD})
    assert duplicate.status_code == 409
    # And a bad request through Lambda gets the same problem shape, with API Gateway's request id
    bad = lambda_client.invoke(
        FunctionName=function, Payload=json.dumps(api_gateway_request("POST", "/v1/auth/login", {})).encode()
    )
    problem = json.loads(json.loads(bad["Payload"].read())["body"])
    assert problem["status"] == 422
    assert problem["request_id"] == event["requestContext"]["requestId"]


def test_tokens_come_from_the_published_manifest_and_match_the_chain(
    client: TestClient, local_cloud: LocalCloud
) -> None:
    # Given the local market deployed on L2 and its manifest published by the local cloud
    chain = next(chain for chain in local_cloud.chains if chain.key == "local-l2")
    # When the API lists L2's tokens
    items = client.get("/v1/tokens", params={"chain": chain.key}).json()["items"]
    # Then they are the market's tokens, and each one's decimals are what the token contract says
    assert [token["symbol"] for token in items] == [spec.symbol for spec in TOKENS]
    with httpx.Client(timeout=5) as rpc:
        for token in items:
            call = {"to": token["address"], "data": DECIMALS_SELECTOR}
            assert int(json_rpc(rpc, chain.rpc_url, "eth_call", [call, "latest"]), 16) == token["decimals"]


def test_market_prices_come_from_the_local_pools(client: TestClient) -> None:
    # Given the local market seeded at ETH 3,000, BTC 60,000, LINK 15 and DAI 1 USD
    # When the API is asked for prices
    response = client.get("/v1/market/prices", params={"symbols": "ETH,WBTC,LINK,DAI"})
    # Then each comes from the on-chain TWAP source, within 1% of the seeded price
    assert response.status_code == 200, response.text
    seeded = {"ETH": 3000, "WBTC": 60000, "LINK": 15, "DAI": 1}
    for price in response.json()["items"]:
        assert price["source"] == "uniswap-v3-twap"
        assert abs(float(price["usd"]) / seeded[price["symbol"]] - 1) < 0.01, price
    assert client.get("/v1/market/prices", params={"symbols": "DOGE"}).status_code == 404


def test_risk_profiles_are_versioned_items_and_racing_writes_land_once(
    client: TestClient, local_cloud: LocalCloud
) -> None:
    # Given a user who never set a risk profile
    session = bearer(register_and_login(client, "risk@example.com"))
    user_id = client.get("/v1/me", headers=session).json()["id"]
    assert client.get("/v1/risk/profile", headers=session).json()["version"] == 0
    # When eight clients replace it at once, each from the version 0 they read
    profile = {"max_trade_usd": "250", "allowed_tokens": ["USDC"]}

    def put(_: int) -> int:
        headers = {**session, "If-Match": '"0"'}
        return int(client.put("/v1/risk/profile", json=profile, headers=headers).status_code)

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(put, range(8)))
    # Then the conditional write lets exactly one land; the others are told to read again
    assert statuses == [200] + [409] * 7
    stored = client.get("/v1/risk/profile", headers=session).json()
    assert (stored["version"], stored["max_trade_usd"], stored["allowed_tokens"]) == (1, "250", ["USDC"])
    # And it is one item under the user's key
    keys = {(item["pk"]["S"], item["sk"]["S"]) for item in _table_items(local_cloud)}
    assert (f"USER#{user_id}", "RISKPROFILE") in keys
