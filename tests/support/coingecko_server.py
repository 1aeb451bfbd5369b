"""A local server speaking CoinGecko's ``GET /simple/price`` protocol, with scripted prices.

Bound to 127.0.0.1 on a free port, served from one thread, and bounded: a short socket timeout,
a cap on ids per request and on the URL's length, so a broken client cannot hang a test.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

API_PREFIX = "/api/v3"
MAX_IDS = 50
MAX_URL = 2048


class CoinGeckoServer:
    """Scripted CoinGecko: ``prices`` maps coin ids to USD; requests need ``header: api_key``."""

    def __init__(self, api_key: str, header: str = "x-cg-pro-api-key") -> None:
        self.api_key = api_key
        self.header = header
        self.prices: dict[str, Decimal] = {}
        self.updated_at = 1_700_000_000
        # When set, every request is answered with this status (429, 500...) instead.
        self.fail_with: int | None = None
        self.requests: list[dict[str, list[str]]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        # A short poll so that stop() returns at once rather than after the default half second.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="coingecko", daemon=True
        )

    @property
    def base_url(self) -> str:
        """What the adapter's ``base_url`` setting would hold."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{API_PREFIX}"

    def start(self) -> None:
        """Serve in the background."""
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def answer(self, path: str, query: dict[str, list[str]], headers: dict[str, str]) -> tuple[int, Any]:
        """The status and JSON body CoinGecko would send for this request."""
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


def _handler_for(server: CoinGeckoServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        timeout = 5

        def do_GET(self) -> None:
            if len(self.path) > MAX_URL:
                self._send(414, {"error": "URI too long"})
                return
            url = urlsplit(self.path)
            headers = {name.lower(): value for name, value in self.headers.items()}
            status, body = server.answer(url.path, parse_qs(url.query), headers)
            self._send(status, body)

        def _send(self, status: int, body: Any) -> None:
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: tests read ``server.requests`` instead."""

    return Handler


@contextmanager
def coingecko_server(api_key: str, header: str = "x-cg-pro-api-key") -> Iterator[CoinGeckoServer]:
    """A running server, stopped on exit."""
    server = CoinGeckoServer(api_key, header)
    server.start()
    try:
        yield server
    finally:
        server.stop()
