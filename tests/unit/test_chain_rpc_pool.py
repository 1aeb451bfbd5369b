"""Retries, backoff and failover of the RPC pool, over in-memory endpoints (no sockets)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from web3 import Web3

from tradewind.chain.client import PoolProvider
from tradewind.chain.errors import ChainUnavailable
from tradewind.chain.rpc_pool import RpcPool, TransportError
from tradewind.chain.settings import RpcPoolSettings


class MemoryNode:
    """An in-memory implementation of the pool's Transport port."""

    def __init__(self, url: str, height: int = 100, failures: int = 0) -> None:
        self.url = url
        self.height = height
        self.failures = failures  # how many of the next requests fail; -1 means always
        self.calls: list[str] = []

    def request(self, method: str, params: Sequence[Any]) -> dict[str, Any]:
        self.calls.append(method)
        if self.failures:
            if self.failures > 0:
                self.failures -= 1
            raise TransportError("connection refused")
        if method == "eth_blockNumber":
            return {"jsonrpc": "2.0", "id": 1, "result": hex(self.height)}
        if method == "eth_call":
            return {"jsonrpc": "2.0", "id": 1, "error": {"code": 3, "message": "execution reverted"}}
        return {"jsonrpc": "2.0", "id": 1, "result": self.url}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


SETTINGS = RpcPoolSettings(
    rpc_retries=2, rpc_backoff_s=0.1, rpc_cooldown_s=30, rpc_max_lag_blocks=5, rpc_lag_check_s=60
)


def _pool(*nodes: MemoryNode, clock: Clock) -> RpcPool:
    return RpcPool("test", nodes, SETTINGS, clock=clock, sleep=clock.sleep)


def test_transient_failures_are_retried_with_exponential_backoff() -> None:
    # Given one endpoint that fails twice, then answers
    clock = Clock()
    node = MemoryNode("http://a", failures=2)
    # When a request is made
    answer = _pool(node, clock=clock).request("eth_chainId", [])
    # Then it succeeded on the third try after waiting 0.1 s then 0.2 s
    assert answer["result"] == "http://a"
    assert clock.sleeps == pytest.approx([0.1, 0.2])


def test_a_dead_endpoint_fails_over_and_is_skipped_until_its_cooldown_ends() -> None:
    # Given a dead first endpoint and a healthy second
    clock = Clock()
    dead, alive = MemoryNode("http://dead", failures=-1), MemoryNode("http://alive")
    pool = _pool(dead, alive, clock=clock)
    # When two requests are made
    first = pool.request("eth_chainId", [])
    dead_calls = len(dead.calls)
    second = pool.request("eth_chainId", [])
    # Then both are answered by the second endpoint, and the dead one is not tried again while cooling
    assert first["result"] == second["result"] == "http://alive"
    assert len(dead.calls) == dead_calls
    assert pool.preferred_url == "http://alive"
    # And once it answers again and its cooldown is over, it is preferred again
    dead.failures = 0
    clock.now += 31
    assert pool.request("eth_chainId", [])["result"] == "http://dead"


def test_every_endpoint_failing_is_chain_unavailable() -> None:
    clock = Clock()
    pool = _pool(MemoryNode("http://a", failures=-1), MemoryNode("http://b", failures=-1), clock=clock)
    with pytest.raises(ChainUnavailable) as raised:
        pool.request("eth_chainId", [])
    assert raised.value.dependency == "chain:test"
    assert "http://a" in raised.value.detail
    assert "http://b" in raised.value.detail


def test_a_json_rpc_error_is_an_answer_not_a_failover() -> None:
    # Given two healthy endpoints and a call that reverts
    clock = Clock()
    first, second = MemoryNode("http://a"), MemoryNode("http://b")
    # When the call is made
    answer = _pool(first, second, clock=clock).request("eth_call", [])
    # Then the revert comes back from the first endpoint and the second is never asked to call
    assert answer["error"]["message"] == "execution reverted"
    assert "eth_call" not in second.calls


def test_a_lagging_endpoint_is_demoted_until_it_catches_up() -> None:
    # Given a first endpoint 10 blocks behind the second (the limit is 5)
    clock = Clock()
    behind, ahead = MemoryNode("http://behind", height=90), MemoryNode("http://ahead", height=100)
    pool = _pool(behind, ahead, clock=clock)
    # When a request is made, the heights are compared first and the request goes to the leader
    assert pool.request("eth_chainId", [])["result"] == "http://ahead"
    # Then after the lagging node catches up and the next check is due, it is first again
    behind.height = 97
    clock.now += 61
    assert pool.request("eth_chainId", [])["result"] == "http://behind"


def test_web3_over_the_pool_fails_over_transparently() -> None:
    # Given web3 on a pool whose first endpoint is dead
    clock = Clock()
    pool = _pool(MemoryNode("http://dead", failures=-1), MemoryNode("http://alive", height=42), clock=clock)
    w3 = Web3(PoolProvider(pool), middleware=[])
    # When web3 asks for the block number
    # Then the answer comes from the live endpoint
    assert w3.eth.block_number == 42
    assert w3.is_connected()
