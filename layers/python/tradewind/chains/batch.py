"""JSON-RPC batches to a chain's URLs in failover order, over a transport port (httpx in production).

Shared by every reader that asks a chain many things at once (vault state, holdings).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from tradewind.chains.registry import Chain
from tradewind.errors import DependencyUnavailable

if TYPE_CHECKING:
    import httpx

RpcRequest = dict[str, Any]


class RpcTransport(Protocol):
    """Posts one JSON-RPC batch to one URL; raises DependencyUnavailable when the URL does not answer."""

    def post(self, url: str, batch: list[RpcRequest]) -> list[dict[str, Any]]:
        """The batch's answers, in any order."""


class HttpxTransport:
    """RpcTransport over one pooled ``httpx.Client``, shared by the reader's threads (it is thread-safe)."""

    def __init__(self, timeout_s: float) -> None:
        import httpx  # noqa: PLC0415 - deferred like every HTTP client on the API's import path

        self._httpx = httpx
        self._client: httpx.Client = httpx.Client(timeout=timeout_s)

    def post(self, url: str, batch: list[RpcRequest]) -> list[dict[str, Any]]:
        try:
            answers = self._client.post(url, json=batch).raise_for_status().json()
        except (self._httpx.HTTPError, ValueError) as e:
            raise DependencyUnavailable(f"{url}: {e}", dependency="chain") from e
        if not isinstance(answers, list):
            raise DependencyUnavailable(f"{url}: not a JSON-RPC batch answer", dependency="chain")
        return answers

    def close(self) -> None:
        """Close the pooled connections."""
        self._client.close()


def eth_call(to: str, data: bytes, block: str) -> tuple[str, list[Any]]:
    """The method and params of an ``eth_call`` of ``data`` on ``to`` at ``block``."""
    return "eth_call", [{"to": to, "data": "0x" + data.hex()}, block]


def call_batch(transport: RpcTransport, chain: Chain, requests: Sequence[tuple[str, list[Any]]]) -> list[Any]:
    """Each request's result, sent as one batch to the first of the chain's URLs that answers all of them.

    A URL that fails at transport level or answers any request with an error is skipped for the
    next one: a node that is behind or rate limiting is no reason to give up on the chain.
    """
    batch = [
        {"jsonrpc": "2.0", "id": index, "method": method, "params": params}
        for index, (method, params) in enumerate(requests)
    ]
    failures = []
    for url in chain.rpc_urls:
        try:
            answers = transport.post(str(url), batch)
        except DependencyUnavailable as e:
            failures.append(e.detail)
            continue
        by_id = {answer.get("id"): answer for answer in answers if isinstance(answer, dict)}
        missing = [index for index in range(len(batch)) if "result" not in by_id.get(index, {})]
        if missing:
            failures.append(f"{url}: no result for {len(missing)} of {len(batch)} requests")
            continue
        return [by_id[index]["result"] for index in range(len(batch))]
    raise DependencyUnavailable(
        f"chain {chain.key} did not answer: {'; '.join(failures)}", dependency=f"chain:{chain.key}"
    )
