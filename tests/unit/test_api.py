"""The API's HTTP contract (status codes, problem+json, scopes, isolation) on in-memory services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.unit.api_client import (
    ADDRESS,
    PASSWORD,
    FakeProbe,
    assert_problem,
    client,
    login_session,
    probes,
)
from tradewind.accounts.service import AccountService
from tradewind.audit.models import AuditKind
from tradewind.audit.service import AuditLog

__all__ = ["client", "probes"]  # fixtures, used by name


def test_validation_errors_list_every_offending_field(client: TestClient) -> None:
    response = client.post("/v1/auth/register", json={"email": 42, "pasword": "x"})
    body = assert_problem(response, 422)
    fields = {error["field"] for error in body["errors"]}
    assert fields == {"email", "password", "pasword"}


def test_domain_validation_uses_the_same_shape(client: TestClient) -> None:
    response = client.post("/v1/auth/register", json={"email": "alice@example.com", "password": "short"})
    body = assert_problem(response, 422)
    assert body["errors"][0]["field"] == "password"


def test_register_then_duplicate(client: TestClient) -> None:
    created = client.post("/v1/auth/register", json={"email": "alice@example.com", "password": PASSWORD})
    assert created.status_code == 201
    assert set(created.json()) == {"id", "email", "created_at"}
    duplicate = client.post("/v1/auth/register", json={"email": "ALICE@example.com", "password": PASSWORD})
    assert_problem(duplicate, 409)


def test_login_failures_look_identical(client: TestClient) -> None:
    client.post("/v1/auth/register", json={"email": "alice@example.com", "password": PASSWORD})
    wrong = client.post("/v1/auth/login", json={"email": "alice@example.com", "password": "nope-nope-1"})
    unknown = client.post("/v1/auth/login", json={"email": "bob@example.com", "password": PASSWORD})
    for response in (wrong, unknown):
        assert_problem(response, 401)
    strip = ("request_id",)
    assert {k: v for k, v in wrong.json().items() if k not in strip} == {
        k: v for k, v in unknown.json().items() if k not in strip
    }


def test_login_throttle_sends_retry_after(client: TestClient) -> None:
    client.post("/v1/auth/register", json={"email": "alice@example.com", "password": PASSWORD})
    for _ in range(3):
        client.post("/v1/auth/login", json={"email": "alice@example.com", "password": "nope-nope-1"})
    response = client.post("/v1/auth/login", json={"email": "alice@example.com", "password": PASSWORD})
    assert_problem(response, 429)
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_request_id_is_echoed_when_supplied(client: TestClient) -> None:
    response = client.get("/v1/me", headers={"X-Request-Id": "trace-123"})
    assert assert_problem(response, 401)["request_id"] == "trace-123"


def test_unknown_route_is_a_problem(client: TestClient) -> None:
    assert_problem(client.get("/v1/nowhere"), 404)


def test_unexpected_errors_never_leak_a_trace(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*_: Any) -> None:
        raise RuntimeError("secret internals at /srv/app.py line 12")

    monkeypatch.setattr(AccountService, "get_user", explode)
    response = client.get("/v1/me", headers=login_session(client))
    body = assert_problem(response, 500)
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text
    assert body["code"] == "internal_error"


def test_api_key_scopes_are_enforced(client: TestClient) -> None:
    session = login_session(client)
    reader = client.post("/v1/api-keys", json={"name": "bot", "scopes": ["read"]}, headers=session).json()
    as_key = {"X-API-Key": reader["secret"]}
    assert client.get("/v1/me", headers=as_key).json()["auth"] == "api_key"
    assert client.get("/v1/wallets", headers=as_key).status_code == 200
    assert_problem(
        client.post("/v1/wallets", json={"chain": "local-l1", "address": ADDRESS}, headers=as_key), 403
    )
    # Managing keys needs a user session, whatever the key's scopes.
    assert_problem(client.get("/v1/api-keys", headers=as_key), 403)
    assert_problem(client.post("/v1/api-keys", json={"name": "x", "scopes": ["read"]}, headers=as_key), 403)


def test_api_key_listing_never_shows_secrets(client: TestClient) -> None:
    session = login_session(client)
    created = client.post("/v1/api-keys", json={"name": "bot", "scopes": ["read", "trade"]}, headers=session)
    assert created.status_code == 201
    listed = client.get("/v1/api-keys", headers=session)
    assert created.json()["secret"] not in listed.text
    assert [item["id"] for item in listed.json()["items"]] == [created.json()["id"]]
    assert client.delete(f"/v1/api-keys/{created.json()['id']}", headers=session).status_code == 204
    assert_problem(client.get("/v1/me", headers={"X-API-Key": created.json()["secret"]}), 401)


def test_unknown_scope_is_a_validation_error(client: TestClient) -> None:
    response = client.post(
        "/v1/api-keys", json={"name": "bot", "scopes": ["admin"]}, headers=login_session(client)
    )
    assert assert_problem(response, 422)["errors"][0]["field"].startswith("scopes")


def test_wallets_are_private_to_their_owner(client: TestClient) -> None:
    alice, mallory = login_session(client), login_session(client, "mallory@example.com")
    wallet = client.post(
        "/v1/wallets", json={"chain": "local-l2", "address": ADDRESS, "label": "cold"}, headers=alice
    )
    assert wallet.status_code == 201
    assert client.get("/v1/wallets", headers=mallory).json()["items"] == []
    assert_problem(client.delete(f"/v1/wallets/{wallet.json()['id']}", headers=mallory), 404)
    assert client.delete(f"/v1/wallets/{wallet.json()['id']}", headers=alice).status_code == 204
    assert client.get("/v1/wallets", headers=alice).json()["items"] == []


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"chain": "ethereum", "address": ADDRESS}, "chain"),
        ({"chain": "local-l1", "address": "0x1234"}, "address"),
        ({"chain": "local-l1", "address": ADDRESS[:-1] + "D"}, "address"),
    ],
)
def test_wallet_input_is_checked(client: TestClient, payload: dict[str, str], field: str) -> None:
    body = assert_problem(client.post("/v1/wallets", json=payload, headers=login_session(client)), 422)
    assert body["errors"][0]["field"] == field


def test_chains_lists_the_active_ones(client: TestClient) -> None:
    items = client.get("/v1/chains").json()["items"]
    assert [(c["key"], c["chain_id"], c["native_symbol"]) for c in items] == [
        ("local-l1", 31337, "ETH"),
        ("local-l2", 31338, "ETH"),
    ]


def test_health_names_the_failed_dependency(client: TestClient, probes: list[FakeProbe]) -> None:
    assert client.get("/health").status_code == 200
    probes[1].up = False
    body = assert_problem(client.get("/health"), 503)
    assert body["failed"] == ["chain:local-l1"]


def test_openapi_documents_both_auth_schemes(client: TestClient) -> None:
    schemes = client.get("/openapi.json").json()["components"]["securitySchemes"]
    assert {"HTTPBearer", "APIKeyHeader"} <= schemes.keys()


def test_tokens_of_a_chain_come_from_its_manifest(client: TestClient) -> None:
    items = client.get("/v1/tokens", params={"chain": "local-l1"}).json()["items"]
    assert [(t["symbol"], t["decimals"], t["address"]) for t in items] == [
        ("USDC", 6, "0x" + "7" * 40),
        ("WBTC", 8, "0x" + "8" * 40),
    ]


def test_tokens_need_an_active_chain_with_a_deployment(client: TestClient) -> None:
    assert (
        assert_problem(client.get("/v1/tokens", params={"chain": "ethereum"}), 422)["errors"][0]["field"]
        == "chain"
    )
    assert assert_problem(client.get("/v1/tokens"), 422)["errors"][0]["field"] == "chain"
    assert_problem(client.get("/v1/tokens", params={"chain": "local-l2"}), 404)


def test_opening_a_vault_needs_the_trade_scope(client: TestClient) -> None:
    session = login_session(client)
    reader = client.post(
        "/v1/api-keys", json={"name": "bot", "scopes": ["read", "write"]}, headers=session
    ).json()
    payload = {"chain": "local-l1", "owner": ADDRESS}
    assert_problem(client.post("/v1/vaults", json=payload, headers={"X-API-Key": reader["secret"]}), 403)
    opened = client.post("/v1/vaults", json=payload, headers=session)
    assert opened.status_code == 202
    assert opened.json()["status"] == "deploying"
    assert [vault["id"] for vault in client.get("/v1/vaults", headers=session).json()["items"]] == [
        opened.json()["id"]
    ]


def test_market_prices_in_the_order_asked_with_source_and_age(client: TestClient) -> None:
    items = client.get("/v1/market/prices", params={"symbols": "usdc, ETH,usdc"}).json()["items"]
    assert [(p["symbol"], p["usd"], p["source"], p["flagged"]) for p in items] == [
        ("USDC", "1", "fixed", False),
        ("ETH", "3000", "fixed", False),
    ]
    assert all(0 <= p["age_s"] < 5 for p in items)


def test_market_prices_refuse_unknown_symbols_and_empty_lists(client: TestClient) -> None:
    assert_problem(client.get("/v1/market/prices", params={"symbols": "ETH,NOPE"}), 404)
    assert (
        assert_problem(client.get("/v1/market/prices", params={"symbols": " , "}), 422)["errors"][0]["field"]
        == "symbols"
    )


def test_the_portfolio_values_the_callers_wallets_only(client: TestClient) -> None:
    # Given alice watches one address on each chain and mallory watches nothing
    alice, mallory = login_session(client), login_session(client, "mallory@example.com")
    for chain in ("local-l1", "local-l2"):
        client.post("/v1/wallets", json={"chain": chain, "address": ADDRESS, "label": chain}, headers=alice)
    # When each asks for their portfolio
    mine = client.get("/v1/portfolio", headers=alice)
    theirs = client.get("/v1/portfolio", headers=mallory)
    # Then alice's holds 1 ETH per chain at 3000 USD, and mallory's is empty
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert Decimal(body["total_usd"]) == Decimal(6000)
    assert set(body["by_chain"]) == {"local-l1", "local-l2"}
    assert body["by_token"]["ETH"]["price_usd"] == "3000"
    assert body["allocation"] == {"ETH": "100.00"}
    assert Decimal(theirs.json()["total_usd"]) == 0
    assert_problem(client.get("/v1/portfolio"), 401)


def test_market_history_and_analysis_refuse_unknown_symbols_and_periods_not_offered(
    client: TestClient,
) -> None:
    # A known symbol without recorded history yet has no candles and no figures
    history = client.get("/v1/market/eth/history", params={"period": "7d"})
    assert history.status_code == 200, history.text
    assert (history.json()["symbol"], history.json()["candles"]) == ("ETH", [])
    analysis = client.get("/v1/market/ETH/analysis").json()
    assert analysis["period"] == "30d"
    assert (analysis["analysis"]["candles"], analysis["analysis"]["rsi"]) == (0, None)
    # A symbol nobody prices is 404, a period not offered 422 naming the field
    assert_problem(client.get("/v1/market/NOPE/history"), 404)
    assert_problem(client.get("/v1/market/NOPE/analysis"), 404)
    problem = assert_problem(client.get("/v1/market/ETH/history", params={"period": "1y"}), 422)
    assert problem["errors"][0]["field"] == "period"


def test_portfolio_refresh_records_history_and_performance_per_period(client: TestClient) -> None:
    # Given a user watching one address holding 1 ETH at 3000
    session = login_session(client, "history@example.com")
    client.post("/v1/wallets", json={"chain": "local-l1", "address": ADDRESS, "label": "h"}, headers=session)
    # When the portfolio is refreshed
    refreshed = client.post("/v1/portfolio/refresh", headers=session)
    assert refreshed.status_code == 200, refreshed.text
    # Then its history has a point at that value and its performance starts from it
    points = client.get("/v1/portfolio/history", params={"period": "24h"}, headers=session).json()["points"]
    assert [Decimal(point["total_usd"]) for point in points] == [Decimal(3000)]
    performance = client.get("/v1/portfolio/performance", params={"period": "7d"}, headers=session).json()
    assert Decimal(performance["end_usd"]) == Decimal(3000)
    assert Decimal(performance["flows_usd"]) == 0
    assert performance["by_token"]["ETH"]["end_amount"] == "1"
    assert_problem(client.get("/v1/portfolio/history", params={"period": "2d"}, headers=session), 422)
    assert_problem(client.get("/v1/portfolio/performance"), 401)


def test_the_audit_log_is_paginated_verifiable_and_private_to_its_owner(client: TestClient) -> None:
    # Given three decisions in Alice's log
    alice, bob = login_session(client), login_session(client, "bob@example.com")
    alice_id = client.get("/v1/me", headers=alice).json()["id"]
    audit: AuditLog = client.app.state.services.audit  # type: ignore[attr-defined]
    for n in range(3):
        audit.append(alice_id, f"e{n}", kind=AuditKind.QUOTE, subject="trade-1", actor="system:quote")
    # When she pages through it two at a time
    first = client.get("/v1/audit", params={"limit": 2}, headers=alice).json()
    second = client.get("/v1/audit", params={"after": first["next"], "limit": 2}, headers=alice).json()
    # Then every entry comes once, in order, and the chain verifies
    assert ([e["seq"] for e in first["items"]], first["next"]) == ([1, 2], 2)
    assert ([e["seq"] for e in second["items"]], second["next"]) == ([3], None)
    assert client.get("/v1/audit/verify", headers=alice).json() == {
        "ok": True,
        "entries_checked": 3,
        "first_bad_seq": None,
        "reason": None,
        "detail": None,
    }
    # And Bob sees none of it
    assert client.get("/v1/audit", headers=bob).json() == {"items": [], "next": None}
    assert client.get("/v1/audit/verify", headers=bob).json()["entries_checked"] == 0
    # And the route needs credentials and a sane page size
    assert_problem(client.get("/v1/audit"), 401)
    assert_problem(client.get("/v1/audit", params={"limit": 0}, headers=alice), 422)


def test_a_new_users_risk_profile_is_the_defaults_at_version_zero(client: TestClient) -> None:
    # Given a user who never set a risk profile
    session = login_session(client)
    # When they read it
    response = client.get("/v1/risk/profile", headers=session)
    # Then they get the cautious defaults, automation off, at version 0
    assert response.status_code == 200, response.text
    assert response.headers["ETag"] == '"0"'
    assert response.json() == {
        "max_trade_usd": "1000",
        "max_daily_usd": "5000",
        "max_price_impact_bps": 100,
        "max_slippage_bps": 50,
        "allowed_tokens": [],
        "automation": {"auto_approve": False, "auto_approve_max_usd": "100", "auto_approve_tokens": []},
        "version": 0,
        "updated_at": None,
    }


def test_a_risk_profile_put_is_read_back_and_a_stale_if_match_is_refused(client: TestClient) -> None:
    # Given a user, and another who must not see their profile
    alice, bob = login_session(client), login_session(client, "bob@example.com")
    profile = {
        "max_trade_usd": "250.5",
        "max_daily_usd": 1000,
        "max_price_impact_bps": 80,
        "max_slippage_bps": 30,
        "allowed_tokens": ["usdc", "WETH"],
        "automation": {"auto_approve": True, "auto_approve_max_usd": "50", "auto_approve_tokens": ["USDC"]},
    }
    # When alice replaces her profile from the version she read, then reads it back
    put = client.put("/v1/risk/profile", json=profile, headers={**alice, "If-Match": '"0"'})
    got = client.get("/v1/risk/profile", headers=alice)
    # Then she reads what she wrote at version 1; bob still has the defaults
    assert put.status_code == 200, put.text
    assert got.json() == put.json()
    assert got.headers["ETag"] == put.headers["ETag"] == '"1"'
    assert (got.json()["max_trade_usd"], got.json()["allowed_tokens"]) == ("250.5", ["USDC", "WETH"])
    assert got.json()["automation"]["auto_approve"] is True
    assert client.get("/v1/risk/profile", headers=bob).json()["version"] == 0
    # And a write from the version she read before is a conflict; a malformed If-Match names the header
    assert_problem(client.put("/v1/risk/profile", json=profile, headers={**alice, "If-Match": '"0"'}), 409)
    malformed = client.put("/v1/risk/profile", json=profile, headers={**alice, "If-Match": "yesterday"})
    assert assert_problem(malformed, 422)["errors"][0]["field"] == "If-Match"


def test_a_nonsense_risk_profile_is_refused_naming_every_field(client: TestClient) -> None:
    # Given a profile with a negative limit, slippage above 100 % and automation beyond the trade limit
    profile = {
        "max_trade_usd": "-1",
        "max_slippage_bps": 10_001,
        "automation": {"auto_approve_max_usd": "-2"},
    }
    # When it is put
    response = client.put("/v1/risk/profile", json=profile, headers=login_session(client))
    # Then it is a 422 naming each offending field
    fields = {error["field"] for error in assert_problem(response, 422)["errors"]}
    assert fields == {"max_trade_usd", "max_slippage_bps", "automation.auto_approve_max_usd"}
    inconsistent = client.put(
        "/v1/risk/profile",
        json={"max_trade_usd": 100, "automation": {"auto_approve_max_usd": 500}},
        headers=login_session(client, "carol@example.com"),
    )
    assert assert_problem(inconsistent, 422)["errors"][0]["field"] == "automation.auto_approve_max_usd"


@pytest.mark.parametrize("path", ["/v1/risk/profile", "/v1/preferences"])
def test_the_versioned_settings_need_read_to_see_and_write_to_change(client: TestClient, path: str) -> None:
    # Given API keys with read only, with read and trade, and with write only
    session = login_session(client)
    keys = {
        scopes: client.post(
            "/v1/api-keys", json={"name": "-".join(scopes), "scopes": list(scopes)}, headers=session
        ).json()["secret"]
        for scopes in (("read",), ("read", "trade"), ("write",))
    }
    # When each reads and changes the risk profile or the preferences
    # Then anonymous calls are 401, reading needs read and changing needs write: a trading key
    # cannot widen its own limits
    assert_problem(client.get(path), 401)
    assert_problem(client.put(path, json={}), 401)
    assert client.get(path, headers={"X-API-Key": keys[("read",)]}).status_code == 200
    assert_problem(client.get(path, headers={"X-API-Key": keys[("write",)]}), 403)
    for scopes in (("read",), ("read", "trade")):
        assert_problem(client.put(path, json={}, headers={"X-API-Key": keys[scopes]}), 403)
    written = client.put(path, json={}, headers={"X-API-Key": keys[("write",)]})
    assert (written.status_code, written.json()["version"]) == (200, 1)
