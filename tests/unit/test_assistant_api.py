"""The assistant's routes over in-memory services: chat turns, conversations, errors and scopes."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.unit.api_client import assert_problem, client, login_session, probes

__all__ = ["client", "probes"]


def _chat(
    client: TestClient, session: dict[str, str], message: str, conversation_id: str | None = None
) -> Any:
    body = {"message": message} | ({"conversation_id": conversation_id} if conversation_id else {})
    return client.post("/v1/chat", json=body, headers=session)


def test_a_chat_turn_answers_and_is_remembered(client: TestClient) -> None:
    # Given a user with no holdings
    session = login_session(client)
    # When they ask for their portfolio, then a price in the same conversation
    first = _chat(client, session, "what's my portfolio worth?")
    assert first.status_code == 200, first.text
    reply = first.json()
    second = _chat(client, session, "price of ETH", reply["conversation_id"]).json()
    # Then each turn is answered by the offline engine, with its cards and no unverified figure
    assert (reply["engine"], reply["intent"], reply["turn"]) == ("offline", "portfolio", 0)
    assert [c["type"] for c in second["cards"]] == ["prices"]
    assert second["grounding"]["ungrounded"] == []
    # And the conversation lists both turns in order, titled after the first message
    listed = client.get("/v1/conversations", headers=session).json()["items"]
    assert [c["title"] for c in listed] == ["what's my portfolio worth?"]
    turns = client.get(f"/v1/conversations/{reply['conversation_id']}", headers=session).json()["turns"]
    assert [t["message"] for t in turns] == ["what's my portfolio worth?", "price of ETH"]
    assert [c["name"] for c in turns[1]["tool_calls"]] == ["get_prices"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"message": ""}, "message"),
        ({"message": "   "}, "message"),
        ({"message": "x" * 2001}, "message"),
        ({"message": "hi", "conversation_id": "not-an-id"}, "conversation_id"),
        ({"message": "hi", "extra": 1}, "extra"),
        ({}, "message"),
    ],
)
def test_a_bad_chat_request_is_a_422_naming_the_field(
    client: TestClient, body: dict[str, Any], field: str
) -> None:
    session = login_session(client)
    problem = assert_problem(client.post("/v1/chat", json=body, headers=session), 422)
    assert field in str(problem), problem


def test_an_unknown_or_foreign_conversation_is_404_and_writes_nothing(client: TestClient) -> None:
    # Given Alice's conversation
    alice = login_session(client)
    conversation_id = _chat(client, alice, "price of ETH").json()["conversation_id"]
    # When Bob reads, continues or deletes it
    bob = login_session(client, "bob@example.com")
    # Then each is 404, and Alice's conversation still has its one turn
    assert_problem(client.get(f"/v1/conversations/{conversation_id}", headers=bob), 404)
    assert_problem(_chat(client, bob, "and WBTC?", conversation_id), 404)
    assert_problem(client.delete(f"/v1/conversations/{conversation_id}", headers=bob), 404)
    assert len(client.get(f"/v1/conversations/{conversation_id}", headers=alice).json()["turns"]) == 1
    assert client.get("/v1/conversations", headers=bob).json()["items"] == []


def test_deleting_a_conversation_forgets_it(client: TestClient) -> None:
    session = login_session(client)
    conversation_id = _chat(client, session, "price of ETH").json()["conversation_id"]
    assert client.delete(f"/v1/conversations/{conversation_id}", headers=session).status_code == 204
    assert_problem(client.get(f"/v1/conversations/{conversation_id}", headers=session), 404)
    assert_problem(client.delete(f"/v1/conversations/{conversation_id}", headers=session), 404)


def test_a_read_only_key_can_chat_but_not_propose_a_trade(client: TestClient) -> None:
    # Given an API key with only the read scope
    session = login_session(client)
    key = client.post("/v1/api-keys", json={"name": "reader", "scopes": ["read"]}, headers=session).json()
    reader = {"X-API-Key": key["secret"]}
    # When it asks the assistant to swap
    reply = _chat(client, reader, "swap 1 ETH to USDC").json()
    # Then no trade is created: the proposal tool refuses, and the reply says why
    assert reply["cards"] == []
    assert reply["actions"] == []
    assert "trade scope" in reply["reply"]
    assert client.get("/v1/trades", headers=session).json()["items"] == []
    # And it may not delete conversations (write scope)
    assert_problem(client.delete(f"/v1/conversations/{reply['conversation_id']}", headers=reader), 403)


def test_recommendations_of_an_empty_portfolio_say_why_there_are_none(client: TestClient) -> None:
    session = login_session(client)
    response = client.get("/v1/recommendations", headers=session)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["analysis"], body["recommendations"]) == (None, [])
    assert body["unavailable"] == "the portfolio holds nothing priced"
