"""`make run` with a model: the API answers chat through an OpenAI-compatible endpoint (a local
scripted server here), reading the model's key from the local secret store as it would on AWS."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.running import RunningSystem, free_ports, interrupt, start
from tests.support.openai_server import Call, OpenAIServer, Reply, ToolCalls, openai_server

pytestmark = pytest.mark.integration

MODEL_KEY = "sk-e2e-local-model-key"


def _price_answer(request: dict[str, Any]) -> ToolCalls | Reply:
    """Ask for ETH's price, then state the price the tool returned."""
    results = [m for m in request["messages"] if m["role"] == "tool"]
    if not results:
        return ToolCalls([Call("get_prices", {"symbols": ["ETH"]})])
    [price] = json.loads(results[-1]["content"])["data"]["prices"]
    return Reply(f"ETH is ${price['usd']} right now.")


@pytest.fixture(scope="module")
def model() -> Iterator[OpenAIServer]:
    with openai_server(MODEL_KEY) as server:
        yield server


@pytest.fixture(scope="module")
def system(model: OpenAIServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSystem]:
    ports = dict(zip(("AWS_PORT", "L1_PORT", "L2_PORT", "API_PORT"), free_ports(4), strict=True))
    environment = {
        "TRADEWIND_ASSISTANT_MODEL_BASE_URL": model.base_url,
        "TRADEWIND_ASSISTANT_MODEL_NAME": "scripted-e2e",
        "TRADEWIND_ASSISTANT_MODEL_API_KEY": MODEL_KEY,
        "TRADEWIND_MARKET_SIMULATOR": "false",
    }
    running = start(ports, tmp_path_factory.mktemp("run-model"), environment)
    yield running
    if running.process.poll() is None:
        interrupt(running)


def test_chat_goes_through_the_configured_model_with_the_key_from_the_secret_store(
    system: RunningSystem, model: OpenAIServer
) -> None:
    # Given make run naming a model, and the demo login
    assert f"POST {system.api}/v1/chat, model scripted-e2e at {model.base_url}" in system.summary
    with httpx.Client(base_url=system.api, timeout=30) as http:
        login = {"email": "demo@tradewind.local", "password": "tradewind-demo"}
        session = {
            "Authorization": f"Bearer {http.post('/v1/auth/login', json=login).json()['access_token']}"
        }
        price = http.get("/v1/market/prices", params={"symbols": "ETH"}).json()["items"][0]["usd"]
        # When the user asks for ETH's price, and the model calls the price tool before answering
        model.script(_price_answer, _price_answer)
        asked = http.post("/v1/chat", json={"message": "what's ETH at?"}, headers=session)

    # Then the model answered, with the price the API quotes, and nothing ungrounded
    assert asked.status_code == 200, asked.text
    reply = asked.json()
    assert (reply["engine"], reply["grounding"]["ungrounded"], reply["notices"]) == ("model", [], [])
    assert reply["reply"] == f"ETH is ${price} right now."
    # And the API called the model twice with the key it read from the secret store, offering the
    # read-only tools only (the message asked for no trade)
    requests = model.requests
    assert [r.headers["authorization"] for r in requests] == [f"Bearer {MODEL_KEY}"] * 2
    offered = {tool["function"]["name"] for tool in requests[0].body["tools"]}
    assert "get_prices" in offered
    assert "propose_trade" not in offered
