"""A minimal JSON-RPC probe over httpx: enough to ask a node which chain it is, with failover.

httpx is imported on first use: only the health check needs it, and it costs ~70 ms of cold start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tradewind.chains.registry import Chain
from tradewind.errors import DependencyUnavailable

if TYPE_CHECKING:
    import httpx


def json_rpc(client: httpx.Client, url: str, method: str, params: list[Any] | None = None) -> Any:
    """Call one JSON-RPC method; transport and protocol errors become DependencyUnavailable."""
    import httpx  # noqa: PLC0415 - deferred, see the module docstring

    payload = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}
    try:
        response = client.post(url, json=payload)
        response.raise_for_status()
        body = response.json()
    except (httpx.HTTPError, ValueError) as e:
        raise DependencyUnavailable(f"{method} failed at {url}: {e}", dependency=url) from e
    if "error" in body:
        raise DependencyUnavailable(f"{method} failed at {url}: {body['error']}", dependency=url)
    return body["result"]


def probe_chain_id(chain: Chain, timeout_s: float) -> int:
    """The chain id reported by the first RPC URL that answers, in failover order."""
    import httpx  # noqa: PLC0415 - deferred, see the module docstring

    failures: list[str] = []
    with httpx.Client(timeout=timeout_s) as client:
        for url in chain.rpc_urls:
            try:
                return int(json_rpc(client, str(url), "eth_chainId"), 16)
            except DependencyUnavailable as e:
                failures.append(e.detail)
    raise DependencyUnavailable("; ".join(failures), dependency=f"chain:{chain.key}")
