"""Failover across a chain's RPC endpoints: retries with backoff, cooldown of failed and lagging nodes.

The pool speaks raw JSON-RPC through a ``Transport`` port, so its rules are tested without sockets;
``client.py`` puts it behind web3.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from tradewind.chain.errors import ChainUnavailable
from tradewind.chain.settings import RpcPoolSettings


class TransportError(Exception):
    """The endpoint did not answer with a JSON-RPC response (connection, timeout, HTTP error)."""


class Transport(Protocol):
    """One RPC endpoint."""

    url: str

    def request(self, method: str, params: Sequence[Any]) -> dict[str, Any]:
        """The JSON-RPC response object (``result`` or ``error``), or TransportError."""
        ...


@dataclass
class _Endpoint:
    transport: Transport
    down_until: float = 0.0
    lagging: bool = False


class RpcPool:
    """Sends each request to the first healthy endpoint, in the chain's failover order.

    A JSON-RPC ``error`` answer is returned, not failed over: a revert or a refused nonce is the
    same on every node. Only transport failures and lag move traffic elsewhere.
    """

    def __init__(
        self,
        name: str,
        transports: Sequence[Transport],
        settings: RpcPoolSettings,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not transports:
            raise ValueError("an RPC pool needs at least one endpoint")
        self.name = name
        self._endpoints = [_Endpoint(transport) for transport in transports]
        self._settings = settings
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_lag_check = 0.0

    @property
    def preferred_url(self) -> str:
        """The endpoint the next request goes to first."""
        return self._order()[0].transport.url

    def request(self, method: str, params: Sequence[Any]) -> dict[str, Any]:
        """Send one request with retries and failover; ChainUnavailable when every endpoint failed."""
        self._check_lag_if_due()
        failures: list[str] = []
        for endpoint in self._order():
            try:
                return self._with_retries(endpoint.transport, method, params)
            except TransportError as e:
                failures.append(f"{endpoint.transport.url}: {e}")
                self._mark_down(endpoint)
        raise ChainUnavailable(
            f"{method} failed on every endpoint of {self.name}: {'; '.join(failures)}",
            dependency=f"chain:{self.name}",
        )

    def check_lag(self) -> None:
        """Compare endpoint heights; one more than ``rpc_max_lag_blocks`` behind the best is demoted."""
        heights: dict[int, int] = {}
        for index, endpoint in enumerate(self._endpoints):
            try:
                answer = endpoint.transport.request("eth_blockNumber", [])
                heights[index] = int(answer["result"], 16)
            except (TransportError, KeyError, TypeError, ValueError):
                self._mark_down(endpoint)
        if not heights:
            return
        best = max(heights.values())
        with self._lock:
            for index, endpoint in enumerate(self._endpoints):
                if index in heights:
                    endpoint.lagging = best - heights[index] > self._settings.rpc_max_lag_blocks

    def _check_lag_if_due(self) -> None:
        if len(self._endpoints) < 2:
            return
        now = self._clock()
        with self._lock:
            if now < self._next_lag_check:
                return
            self._next_lag_check = now + self._settings.rpc_lag_check_s
        self.check_lag()

    def _order(self) -> list[_Endpoint]:
        """Healthy endpoints first, then lagging ones, then those cooling down: never an empty list."""
        now = self._clock()
        with self._lock:
            return sorted(self._endpoints, key=lambda e: (e.down_until > now, e.lagging))

    def _mark_down(self, endpoint: _Endpoint) -> None:
        with self._lock:
            endpoint.down_until = self._clock() + self._settings.rpc_cooldown_s

    def _with_retries(self, transport: Transport, method: str, params: Sequence[Any]) -> dict[str, Any]:
        delay = self._settings.rpc_backoff_s
        for _ in range(self._settings.rpc_retries):
            try:
                return transport.request(method, params)
            except TransportError:
                self._sleep(delay)
                delay *= 2
        return transport.request(method, params)
