"""Trading through the API on the local cloud, as a client does: open a funded vault, set a risk
profile, submit trades and follow them to a status."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from eth_keys.datatypes import PrivateKey
from fastapi.testclient import TestClient

from localcloud import LocalCloud
from localcloud.market import fund
from tests.support.sessions import bearer, register_and_login

FINAL = frozenset({"confirmed", "failed", "rejected", "expired", "cancelled"})

# anvil's well-known development keys (accounts 1, 2 and 4 of the "test test ... junk" mnemonic): public.
ANVIL_KEY_1 = bytes.fromhex("59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d")
ANVIL_KEY_2 = bytes.fromhex("5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9f1ee8bdd7a5b")
ANVIL_KEY_4 = bytes.fromhex("47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a")


def address_of(private_key: bytes) -> str:
    """The checksummed address of a private key."""
    address: str = PrivateKey(private_key).public_key.to_checksum_address()
    return address


def rpc_url(cloud: LocalCloud, chain_key: str) -> str:
    """The local chain node's own URL."""
    return next(chain.rpc_url for chain in cloud.chains if chain.key == chain_key)


@dataclass(frozen=True)
class Trader:
    """A registered user with an active vault on the local L1."""

    session: dict[str, str]
    vault: dict[str, Any]


def open_trader(
    client: TestClient,
    cloud: LocalCloud,
    email: str,
    owner: str,
    profile: dict[str, Any],
    *,
    usd_each: Decimal = Decimal(20_000),
    symbols: tuple[str, ...] = ("WETH", "USDC"),
) -> Trader:
    """Register ``email``, open a vault owned by ``owner`` holding ``usd_each`` of each of ``symbols``,
    and apply ``profile`` over the default risk profile."""
    session = bearer(register_and_login(client, email))
    vault = client.post("/v1/vaults", json={"chain": "local-l1", "owner": owner}, headers=session).json()
    assert vault["status"] == "active", vault
    url = rpc_url(cloud, "local-l1")
    fund(url, cloud.manifest("local-l1"), vault["address"], usd_each, symbols)
    current = client.get("/v1/risk/profile", headers=session)
    body = {k: v for k, v in current.json().items() if k not in {"version", "updated_at"}} | profile
    updated = client.put(
        "/v1/risk/profile", json=body, headers={**session, "If-Match": current.headers["ETag"]}
    )
    assert updated.status_code == 200, updated.text
    return Trader(session=session, vault=vault)


def submit(client: TestClient, trader: Trader, key: str | None = None, **overrides: Any) -> Any:
    """POST /v1/trades selling 0.5 WETH for USDC unless ``overrides`` say otherwise; the response."""
    request = {
        "vault": trader.vault["id"],
        "sell_token": "WETH",
        "buy_token": "USDC",
        "amount": "0.5",
        "side": "exact_in",
        "max_slippage_bps": 50,
        "deadline_s": 300,
    } | overrides
    headers = {**trader.session, "Idempotency-Key": key or uuid.uuid4().hex}
    return client.post("/v1/trades", json=request, headers=headers)


def submitted_id(client: TestClient, trader: Trader, **overrides: Any) -> str:
    """Submit a trade and return its id, checking it was accepted."""
    response = submit(client, trader, **overrides)
    assert response.status_code == 202, response.text
    trade_id: str = response.json()["trade_id"]
    return trade_id


def wait_for(
    client: TestClient,
    trader: Trader,
    trade_id: str,
    statuses: frozenset[str] = FINAL,
    timeout_s: float = 60,
) -> dict[str, Any]:
    """The trade once its status is one of ``statuses`` (any final one by default)."""
    deadline = time.monotonic() + timeout_s
    trade: dict[str, Any] = {}
    while time.monotonic() < deadline:
        trade = client.get(f"/v1/trades/{trade_id}", headers=trader.session).json()
        if trade["status"] in statuses:
            return trade
        time.sleep(0.1)
    raise AssertionError(f"trade {trade_id} not in {sorted(statuses)} after {timeout_s} s: {trade}")


def audit_entries(client: TestClient, trader: Trader) -> list[dict[str, Any]]:
    """Every entry of the trader's audit log, oldest first."""
    entries: list[dict[str, Any]] = []
    after = 0
    while True:
        page = client.get("/v1/audit", params={"after": after}, headers=trader.session).json()
        entries += page["items"]
        if not page.get("next"):
            return entries
        after = page["next"]
