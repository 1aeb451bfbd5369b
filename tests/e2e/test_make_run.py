"""The running system as a newcomer gets it from `make run`, used only through its HTTP API."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.running import REPO, SCHEDULE_PERIOD_S, RunningSystem, free_ports, interrupt, start

pytestmark = pytest.mark.integration

ADDRESS = "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB"


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    ports = dict(zip(("AWS_PORT", "L1_PORT", "L2_PORT", "API_PORT"), free_ports(4), strict=True))
    running = start(ports, tmp_path_factory.mktemp("run"))
    yield running
    if running.process.poll() is None:
        interrupt(running)


@pytest.fixture(scope="module")
def http(system: RunningSystem) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=system.api, timeout=30) as client:
        yield client


def test_summary_tells_a_newcomer_where_everything_is(system: RunningSystem) -> None:
    for expected in (
        system.api,
        f"{system.api}/docs",
        f"{system.api}/openapi.json",
        f"http://127.0.0.1:{system.ports['L1_PORT']}",
        f"http://127.0.0.1:{system.ports['L2_PORT']}",
        "chain id 31337",
        "chain id 31338",
        "demo@tradewind.local / tradewind-demo",
        f"POST {system.api}/v1/chat, built-in offline engine",
    ):
        assert expected in system.summary


def test_health_docs_and_openapi_are_served(http: httpx.Client) -> None:
    health = http.get("/health")
    assert health.status_code == 200, health.text
    assert {dep["name"] for dep in health.json()["dependencies"]} == {
        "dynamodb",
        "kms",
        "chain:local-l1",
        "chain:local-l2",
    }
    assert http.get("/docs").status_code == 200
    paths = http.get("/openapi.json").json()["paths"]
    assert {"/v1/auth/login", "/v1/me", "/v1/api-keys", "/v1/wallets", "/v1/chains"} <= paths.keys()


def test_the_demo_account_can_log_in(http: httpx.Client) -> None:
    tokens = http.post("/v1/auth/login", json={"email": "demo@tradewind.local", "password": "tradewind-demo"})
    assert tokens.status_code == 200
    me = http.get("/v1/me", headers={"Authorization": f"Bearer {tokens.json()['access_token']}"})
    assert me.json()["email"] == "demo@tradewind.local"


def test_the_demo_account_owns_a_funded_vault_on_each_chain(http: httpx.Client) -> None:
    # Given the demo login
    tokens = http.post("/v1/auth/login", json={"email": "demo@tradewind.local", "password": "tradewind-demo"})
    session = {"Authorization": f"Bearer {tokens.json()['access_token']}"}
    # When its vaults are listed
    vaults = http.get("/v1/vaults", headers=session).json()["items"]
    # Then there is one active vault per local chain, each with at least 10,000 USD of USDC, DAI,
    # WETH and WBTC at the market's prices (ETH 3,000 and BTC 60,000 USD)
    assert sorted(vault["chain"] for vault in vaults) == ["local-l1", "local-l2"]
    minimum = {"USDC": Decimal(10_000), "DAI": Decimal(10_000), "WETH": Decimal(10_000) / 3_000}
    minimum["WBTC"] = Decimal(10_000) / 60_000
    for vault in vaults:
        assert vault["status"] == "active"
        balances = vault["state"]["balances"]
        assert all(Decimal(balances[symbol]) >= floor for symbol, floor in minimum.items()), balances


def test_the_demo_portfolio_holds_a_liquidity_position_that_earned_fees(http: httpx.Client) -> None:
    # Given the demo login
    tokens = http.post("/v1/auth/login", json={"email": "demo@tradewind.local", "password": "tradewind-demo"})
    session = {"Authorization": f"Bearer {tokens.json()['access_token']}"}
    # When its portfolio is read
    portfolio = http.get("/v1/portfolio", headers=session)
    # Then the vaults' owner's wallet holds a WETH/USDC position on each chain, with fees in both tokens
    assert portfolio.status_code == 200, portfolio.text
    body = portfolio.json()
    rows = [p for p in body["positions"] if p["kind"] == "liquidity"]
    assert sorted((p["chain"], p["symbol"]) for p in rows) == [
        ("local-l1", "USDC"),
        ("local-l1", "WETH"),
        ("local-l2", "USDC"),
        ("local-l2", "WETH"),
    ]
    assert all(p["holder_kind"] == "wallet" and Decimal(p["fees_usd"]) > 0 for p in rows), rows
    assert Decimal(body["by_kind"]["liquidity"]) == sum(Decimal(p["usd"]) for p in rows)
    # And the owner's wallet keeps 5 ETH on each chain, not anvil's 10,000
    native = {p["chain"]: Decimal(p["amount"]) for p in body["positions"] if p["kind"] == "native"}
    assert native == {"local-l1": Decimal(5), "local-l2": Decimal(5)}


def test_the_schedules_sync_the_demo_portfolio_and_record_prices(http: httpx.Client) -> None:
    # Given the demo login, and make run firing every schedule every SCHEDULE_PERIOD_S
    tokens = http.post("/v1/auth/login", json={"email": "demo@tradewind.local", "password": "tradewind-demo"})
    session = {"Authorization": f"Bearer {tokens.json()['access_token']}"}
    # When the schedules have had time to run
    deadline = time.monotonic() + SCHEDULE_PERIOD_S * 10
    points: list[dict[str, str]] = []
    candles: list[dict[str, str]] = []
    while time.monotonic() < deadline and not (points and candles):
        time.sleep(SCHEDULE_PERIOD_S / 2)
        points = http.get("/v1/portfolio/history", headers=session).json()["points"]
        candles = http.get("/v1/market/ETH/history").json()["candles"]
    # Then the sync recorded the demo portfolio's value, and the recorder ETH's price
    assert points, "no portfolio history after the sync schedule ran"
    assert candles, "no ETH price history after the recorder schedule ran"
    assert Decimal(points[-1]["total_usd"]) > 0
    # And the portfolio is served from the sync's snapshots
    portfolio = http.get("/v1/portfolio", headers=session).json()
    assert all(chain["status"] == "fresh" for chain in portfolio["by_chain"].values())


def test_the_demo_user_trades_from_a_vault_after_approving(http: httpx.Client) -> None:
    # Given the demo login and its vault on L1 (the default profile does not auto-approve)
    tokens = http.post("/v1/auth/login", json={"email": "demo@tradewind.local", "password": "tradewind-demo"})
    session = {"Authorization": f"Bearer {tokens.json()['access_token']}"}
    vault = next(
        v for v in http.get("/v1/vaults", headers=session).json()["items"] if v["chain"] == "local-l1"
    )
    # When a 0.05 WETH -> USDC trade is submitted
    request = {"vault": vault["id"], "sell_token": "WETH", "buy_token": "USDC", "amount": "0.05"}
    submitted = http.post(
        "/v1/trades", json=request, headers={**session, "Idempotency-Key": "e2e-demo-trade-1"}
    )
    assert submitted.status_code == 202, submitted.text
    trade_id = submitted.json()["trade_id"]
    # Then it waits for the owner, and once approved it is confirmed on the chain
    trade = _trade_when(http, session, trade_id, {"awaiting_approval"})
    assert trade["risk"]["decision"] == "needs_approval"
    approved = http.post(f"/v1/trades/{trade_id}/approve", json={}, headers=session)
    assert approved.status_code == 200, approved.text
    trade = _trade_when(http, session, trade_id, {"confirmed", "failed", "rejected", "expired", "cancelled"})
    assert trade["status"] == "confirmed", trade
    assert Decimal(trade["amount_in"]) == Decimal("0.05")
    assert Decimal(trade["amount_out"]) > 0


def test_the_demo_user_asks_the_assistant_to_swap_and_approves_the_proposal(http: httpx.Client) -> None:
    # Given the demo login (no model configured: the built-in engine answers)
    tokens = http.post("/v1/auth/login", json={"email": "demo@tradewind.local", "password": "tradewind-demo"})
    session = {"Authorization": f"Bearer {tokens.json()['access_token']}"}
    # When the user asks the assistant to swap $100 of the L2 vault's WETH to USDC
    asked = http.post("/v1/chat", json={"message": "swap $100 of ETH on the L2 to USDC"}, headers=session)
    # Then it proposes a trade that waits for approval, with the actions to decide on it
    assert asked.status_code == 200, asked.text
    reply = asked.json()
    assert (reply["engine"], reply["intent"], reply["grounding"]["ungrounded"]) == (
        "offline",
        "propose_trade",
        [],
    )
    [proposal] = [card for card in reply["cards"] if card["type"] == "trade_proposal"]
    assert (proposal["chain"], proposal["sell"], proposal["buy"]) == ("local-l2", "WETH", "USDC")
    approve = next(action for action in reply["actions"] if action["type"] == "approve_trade")
    trade = _trade_when(http, session, proposal["trade_id"], {"awaiting_approval"})
    assert trade["request"]["origin"] == "assistant"
    # And once the user approves through the action, it is confirmed on the chain
    approved = http.request(approve["method"], approve["path"], json=approve["body"], headers=session)
    assert approved.status_code == 200, approved.text
    trade = _trade_when(http, session, proposal["trade_id"], {"confirmed", "failed", "rejected", "expired"})
    assert trade["status"] == "confirmed", trade
    # And the conversation remembers the turn
    turns = http.get(f"/v1/conversations/{reply['conversation_id']}", headers=session).json()["turns"]
    assert [call["name"] for call in turns[0]["tool_calls"]] == ["propose_trade"]


def _trade_when(http: httpx.Client, session: dict[str, str], trade_id: str, statuses: set[str]) -> Any:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        trade = http.get(f"/v1/trades/{trade_id}", headers=session).json()
        if trade["status"] in statuses:
            return trade
        time.sleep(0.25)
    raise AssertionError(f"trade {trade_id} never reached {statuses}: {trade}")


def test_a_bot_watches_a_wallet_with_an_api_key(http: httpx.Client) -> None:
    # Given a new user with an API key that may read and write
    credentials = {"email": "e2e@example.com", "password": "e2e-password-1"}
    assert http.post("/v1/auth/register", json=credentials).status_code == 201
    session = {
        "Authorization": f"Bearer {http.post('/v1/auth/login', json=credentials).json()['access_token']}"
    }
    key = http.post("/v1/api-keys", json={"name": "bot", "scopes": ["read", "write"]}, headers=session).json()
    bot = {"X-API-Key": key["secret"]}
    # When the bot adds a wallet on a chain listed by /v1/chains
    chain = http.get("/v1/chains").json()["items"][1]["key"]
    added = http.post("/v1/wallets", json={"chain": chain, "address": ADDRESS, "label": "vault"}, headers=bot)
    # Then the user sees it in their session
    assert added.status_code == 201
    listed = http.get("/v1/wallets", headers=session).json()["items"]
    assert [(w["chain"], w["address"], w["label"]) for w in listed] == [(chain, ADDRESS, "vault")]


def test_bad_input_gets_a_problem_never_a_trace(http: httpx.Client) -> None:
    broken = http.post(
        "/v1/auth/register", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 422
    assert broken.headers["content-type"] == "application/problem+json"
    assert broken.json()["request_id"] == broken.headers["x-request-id"]
    assert "Traceback" not in broken.text
    missing = http.get("/v1/nowhere")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"


def test_ctrl_c_or_sigterm_stops_every_process_and_a_second_run_works(
    system: RunningSystem, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # When the running system gets Ctrl-C
    assert interrupt(system) == 0
    # Then nothing listens on its ports any more
    assert not [name for name, port in system.ports.items() if _listening(port)]
    # And starting again on the same ports works, and SIGTERM stops it as cleanly
    again = start(system.ports, tmp_path_factory.mktemp("again"))
    try:
        assert httpx.get(f"{again.api}/health", timeout=30).status_code == 200
    finally:
        assert interrupt(again, signal.SIGTERM) == 0
    assert not [name for name, port in system.ports.items() if _listening(port)]


@pytest.mark.parametrize("busy", ["API_PORT", "L1_PORT"])
def test_a_busy_port_is_one_clear_line(busy: str, tmp_path: Path) -> None:
    # Given one of the ports make run needs already taken
    ports = dict(zip(("AWS_PORT", "L1_PORT", "L2_PORT", "API_PORT"), free_ports(4), strict=True))
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", ports[busy]))
        squatter.listen()
        env = {**os.environ, **{f"TRADEWIND_{name}": str(port) for name, port in ports.items()}}
        # When it starts
        done = subprocess.run(
            [sys.executable, "-m", "localcloud", "run"],
            cwd=REPO,
            env={**env, "TRADEWIND_WORK_DIR": str(tmp_path)},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    # Then it exits with one line naming the port and the setting, and no traceback
    assert done.returncode == 2
    assert f"port {ports[busy]} is already in use; set TRADEWIND_{busy} to use another" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr
