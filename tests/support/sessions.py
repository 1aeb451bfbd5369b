"""Registering a user and logging in through the API, as clients do."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

PASSWORD = "correct-horse-1"


def register_and_login(client: TestClient, email: str) -> dict[str, Any]:
    """A new user's token pair."""
    assert client.post("/v1/auth/register", json={"email": email, "password": PASSWORD}).status_code == 201
    response = client.post("/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200
    tokens: dict[str, Any] = response.json()
    return tokens


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    """The Authorization header of a token pair."""
    return {"Authorization": f"Bearer {tokens['access_token']}"}
