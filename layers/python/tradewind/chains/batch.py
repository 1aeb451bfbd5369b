"""JSON-RPC batches to a chain's URLs in failover order, over a transport port (httpx in production).

Shared by every reader that asks a chain many things at once (vault state, holdings).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from tradewind.chains.registry import Chain
from tradewind.errors import DependencyUnavailable

if TYPE_CHECKING:
    import httpx

RpcRequest = dict[str, Any]

# The JSON-RPC error code of an eth_call that reverted (ethereum/execution-apis): an answer about the
# call, the same from every node, not a sign that the node is unwell.
EXECUTION_REVERTED = 3


@dataclass(frozen=True)
class Reverted:
    """Stands in for the result of a call that reverted, when ``call_batch`` was asked to accept reverts."""


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


def eth_call(to: str, data: bytes, block: str, sender: str | None = None) -> tuple[str, list[Any]]:
    """The method and params of an ``eth_call`` of ``data`` on ``to`` at ``block``, as ``sender`` if given."""
    call = {"to": to, "data": "0x" + data.hex()}
    if sender is not None:
        call["from"] = sender
    return "eth_call", [call, block]


def call_batch(
    transport: RpcTransport,
    chain: Chain,
    requests: Sequence[tuple[str, list[Any]]],
    *,
    accept_reverts: bool = False,
) -> list[Any]:
    """Each request's result, sent as one batch to the first of the chain's URLs that answers all of them.

    A URL that fails at transport level or answers any request with an error is skipped for the
    next one: a node that is behind or rate limiting is no reason to give up on the chain. With
    ``accept_reverts``, a call that reverted is answered: its result is ``Reverted()``.
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
        answered = [by_id.get(index, {}) for index in range(len(batch))]
        reverted = [accept_reverts and _reverted(answer) for answer in answered]
        missing = sum(
            "result" not in answer and not rev for answer, rev in zip(answered, reverted, strict=True)
        )
        if missing:
            failures.append(f"{url}: no result for {missing} of {len(batch)} requests")
            continue
        return [
            Reverted() if rev else answer["result"] for answer, rev in zip(answered, reverted, strict=True)
        ]
    raise DependencyUnavailable(
        f"chain {chain.key} did not answer: {'; '.join(failures)}", dependency=f"chain:{chain.key}"
    )


def _reverted(answer: dict[str, Any]) -> bool:
    error = answer.get("error")
    return isinstance(error, dict) and error.get("code") == EXECUTION_REVERTED
