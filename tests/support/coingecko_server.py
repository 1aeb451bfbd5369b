"""A local server speaking CoinGecko's ``GET /simple/price`` protocol, with scripted prices.

A ``JsonServer`` (127.0.0.1, a free port, bounded); it also caps the ids of one request.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.json_server import JsonServer, Request

API_PREFIX = "/api/v3"
MAX_IDS = 50


class CoinGeckoServer(JsonServer):
    """Scripted CoinGecko: ``prices`` maps coin ids to USD; requests need ``header: api_key``."""

    prefix = API_PREFIX
    too_large = {"error": "URI too long"}

    def __init__(self, api_key: str, header: str = "x-cg-pro-api-key") -> None:
        super().__init__("coingecko")
        self.api_key = api_key
        self.header = header
        self.prices: dict[str, Decimal] = {}
        self.updated_at = 1_700_000_000
        # When set, every request is answered with this status (429, 500...) instead.
        self.fail_with: int | None = None
        self.requests: list[dict[str, list[str]]] = []

    def answer(self, request: Request) -> tuple[int, Any]:
        """The status and JSON body CoinGecko would send for this request."""
        url = urlsplit(request.target)
        path, query, headers = url.path, parse_qs(url.query), request.headers
        self.requests.append(query)
        if headers.get(self.header.lower()) != self.api_key:
            return 401, {"status": {"error_code": 10002, "error_message": "API Key Missing"}}
        if self.fail_with is not None:
            return self.fail_with, {"status": {"error_code": self.fail_with, "error_message": "scripted"}}
        if path != f"{API_PREFIX}/simple/price":
            return 404, {"error": "not found"}
        ids = [coin for value in query.get("ids", []) for coin in value.split(",") if coin]
        currencies = ",".join(query.get("vs_currencies", []))
        if not ids or currencies != "usd" or len(ids) > MAX_IDS:
            return 400, {"error": "ids (at most 50) and vs_currencies=usd are required"}
        with_time = query.get("include_last_updated_at") == ["true"]
        body: dict[str, dict[str, Any]] = {}
        for coin in ids:
            if coin in self.prices:
                # A JSON number, as CoinGecko sends; test prices need fewer digits than a float keeps.
                body[coin] = {"usd": float(self.prices[coin])}
                if with_time:
                    body[coin]["last_updated_at"] = self.updated_at
        return 200, body


@contextmanager
def coingecko_server(api_key: str, header: str = "x-cg-pro-api-key") -> Iterator[CoinGeckoServer]:
    """A running server, stopped on exit."""
    server = CoinGeckoServer(api_key, header)
    server.start()
    try:
        yield server
    finally:
        server.stop()
