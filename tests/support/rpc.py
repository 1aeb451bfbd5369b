"""What integration tests of the chain readers share: a recording transport and the cloud's manifests."""

from __future__ import annotations

from typing import Any

from localcloud import LocalCloud
from tradewind.chains.batch import HttpxTransport, RpcRequest
from tradewind.deployments.manifest import DeploymentManifest


class RecordingTransport:
    """The real transport, keeping every batch it posts and the URL it went to (round trips)."""

    def __init__(self, inner: HttpxTransport) -> None:
        self.inner = inner
        self.batches: list[tuple[str, list[RpcRequest]]] = []

    def post(self, url: str, batch: list[RpcRequest]) -> list[dict[str, Any]]:
        # The registry's HttpUrl adds a trailing slash that the cloud's chain URLs do not have.
        self.batches.append((url.rstrip("/"), list(batch)))
        return self.inner.post(url, batch)

    def clear(self) -> None:
        """Forget what was sent so far."""
        self.batches.clear()

    @property
    def requests(self) -> list[RpcRequest]:
        """Every request sent, in order."""
        return [request for _, batch in self.batches for request in batch]

    @property
    def posts(self) -> dict[str, int]:
        """HTTP posts (round trips) per URL."""
        counts: dict[str, int] = {}
        for url, _ in self.batches:
            counts[url] = counts.get(url, 0) + 1
        return counts

    @property
    def eth_calls(self) -> dict[str, int]:
        """eth_call requests per URL."""
        counts: dict[str, int] = {}
        for url, batch in self.batches:
            counts[url] = counts.get(url, 0) + sum(r["method"] == "eth_call" for r in batch)
        return counts

    def count(self, method: str) -> int:
        """Requests of one JSON-RPC method."""
        return sum(r["method"] == method for r in self.requests)

    def log_ranges(self) -> list[tuple[int, int]]:
        """The (from, to) blocks of every eth_getLogs request sent, in order."""
        return [
            (int(r["params"][0]["fromBlock"], 16), int(r["params"][0]["toBlock"], 16))
            for r in self.requests
            if r["method"] == "eth_getLogs"
        ]


class CloudManifests:
    """ManifestSource over the local cloud's manifests."""

    def __init__(self, cloud: LocalCloud) -> None:
        self.cloud = cloud

    def manifest(self, chain_key: str) -> DeploymentManifest:
        return self.cloud.manifest(chain_key)
