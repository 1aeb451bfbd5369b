"""What every local stand-in for a hosted HTTP API shares: a JSON server on 127.0.0.1.

Bound to a free port, served from a background thread, and bounded (a short socket timeout, a cap on
the URL and the body) so that a broken client cannot hang a test. A subclass answers each request
in ``answer``; nothing is logged, since tests read what the subclass records instead.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MAX_URL = 2048
MAX_BODY = 1_000_000


class Request:
    """One request as the handler read it: method, path with query, lower-cased headers, raw body."""

    def __init__(self, method: str, target: str, headers: dict[str, str], body: bytes) -> None:
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body


class JsonServer:
    """Serves ``answer(request) -> (status, JSON body)`` on 127.0.0.1; ``prefix`` ends ``base_url``."""

    prefix = ""
    too_large: Any = {"error": "request too large"}

    def __init__(self, name: str) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        # A short poll so that stop() returns at once rather than after the default half second.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name=name, daemon=True
        )

    @property
    def base_url(self) -> str:
        """What a client's base URL setting would hold."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{self.prefix}"

    def start(self) -> None:
        """Serve in the background."""
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def answer(self, request: Request) -> tuple[int, Any]:
        """The status and JSON body the hosted API would send."""
        raise NotImplementedError


def _handler_for(server: JsonServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        timeout = 5

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

        def _handle(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if len(self.path) > MAX_URL or length > MAX_BODY:
                self._send(413 if length > MAX_BODY else 414, server.too_large)
                return
            headers = {name.lower(): value for name, value in self.headers.items()}
            self._send(*server.answer(Request(method, self.path, headers, self.rfile.read(length))))

        def _send(self, status: int, body: Any) -> None:
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: tests read what the server recorded instead."""

    return Handler
