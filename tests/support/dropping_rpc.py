"""A loopback RPC URL that fails every request: it reads the request, notes its JSON-RPC method, and
closes the connection without answering, as a node that dies mid-request does.

It answers nothing, so it imitates no node: a client sees a dropped connection, and the test sees
which calls went there first.
"""

from __future__ import annotations

import json
import socket
import threading
from collections import Counter
from types import TracebackType

MAX_REQUEST = 1 << 20
HEADER_END = b"\r\n\r\n"


class DroppingRpcEndpoint:
    """Listens on 127.0.0.1 (a free port); ``methods`` counts the JSON-RPC methods it dropped."""

    def __init__(self) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.05)
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._methods: Counter[str] = Counter()
        self._thread = threading.Thread(target=self._serve, name="dropping-rpc", daemon=True)

    @property
    def url(self) -> str:
        """The URL to put before a chain's live one."""
        port: int = self._socket.getsockname()[1]
        return f"http://127.0.0.1:{port}"

    @property
    def methods(self) -> Counter[str]:
        """A copy of the counts of the methods dropped so far."""
        with self._lock:
            return Counter(self._methods)

    def __enter__(self) -> DroppingRpcEndpoint:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        self._socket.close()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with connection:
                method = _method(_read_request(connection))
                with self._lock:
                    self._methods[method] += 1


def _read_request(connection: socket.socket) -> bytes:
    """One HTTP request's bytes (headers and the body its Content-Length announces), bounded."""
    connection.settimeout(2)
    data = b""
    try:
        while HEADER_END not in data and len(data) < MAX_REQUEST:
            chunk = connection.recv(65536)
            if not chunk:
                return data
            data += chunk
        head, _, body = data.partition(HEADER_END)
        length = next(
            (
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            ),
            0,
        )
        while len(body) < min(length, MAX_REQUEST):
            chunk = connection.recv(65536)
            if not chunk:
                break
            body += chunk
    except OSError:
        return data
    return body


def _method(body: bytes) -> str:
    """The request's JSON-RPC method, ``batch`` for a batch, ``?`` for anything else."""
    try:
        payload = json.loads(body)
    except ValueError:
        return "?"
    if isinstance(payload, list):
        return "batch"
    if isinstance(payload, dict):
        return str(payload.get("method", "?"))
    return "?"
