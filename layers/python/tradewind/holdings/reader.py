"""Reads holdings on several chains at once: one Multicall3 eth_call per chain, a snapshot if it is down."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from tradewind.chains.batch import RpcTransport, call_batch, eth_call
from tradewind.chains.registry import Chain, ChainRegistry
from tradewind.deployments.registry import ManifestSource
from tradewind.errors import DependencyUnavailable, InvalidInput
from tradewind.holdings.models import ChainHoldings
from tradewind.holdings.multicall import (
    Call,
    Result,
    chunked,
    decode_aggregate3,
    encode_aggregate3,
    function_call,
)
from tradewind.holdings.plan import decode_holdings, holdings_calls
from tradewind.holdings.settings import HoldingsSettings
from tradewind.holdings.snapshots import SnapshotSource
from tradewind.wallets.addresses import validate_address


def _utcnow() -> datetime:
    return datetime.now(UTC)


class HoldingsReader:
    """Reads the holdings of owners per chain; a chain that does not answer falls back to its snapshot."""

    def __init__(
        self,
        chains: ChainRegistry,
        manifests: ManifestSource,
        snapshots: SnapshotSource,
        *,
        settings: HoldingsSettings,
        transport: RpcTransport,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._chains = chains
        self._manifests = manifests
        self._snapshots = snapshots
        self._settings = settings
        self._transport = transport
        self._clock = clock

    def read(self, owners_by_chain: Mapping[str, Sequence[str]]) -> list[ChainHoldings]:
        """One ChainHoldings per chain, in the order given; chains are read concurrently."""
        # Validate every key and address before any I/O: a bad request fails whole, a dead chain does not.
        work = [(self._chains.get(key), _owners(owners)) for key, owners in owners_by_chain.items()]
        if not work:
            return []
        workers = min(len(work), self._settings.holdings_max_parallel_chains)
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="holdings") as pool:
            return list(pool.map(lambda item: self._read_chain(*item), work))

    def _read_chain(self, chain: Chain, owners: tuple[str, ...]) -> ChainHoldings:
        try:
            fresh = self._read_fresh(chain, owners)
        except DependencyUnavailable as e:
            return self._fallback(chain.key, owners, e.detail)
        self._snapshots.save(fresh)
        return fresh

    def _read_fresh(self, chain: Chain, owners: tuple[str, ...]) -> ChainHoldings:
        manifest = self._manifests.manifest(chain.key)
        block, results = self._aggregate(chain, manifest.multicall3, holdings_calls(manifest, owners))
        try:
            holdings = decode_holdings(manifest, chain.native, owners, results)
        except ValueError as e:
            raise DependencyUnavailable(str(e), dependency=f"chain:{chain.key}") from e
        return ChainHoldings(
            chain=chain.key,
            owners=owners,
            holdings=tuple(holdings),
            status="fresh",
            block_number=block,
            read_at=self._clock(),
            age_s=0.0,
        )

    def _aggregate(self, chain: Chain, multicall: str, calls: list[Call]) -> tuple[int, list[Result]]:
        """The block read and every call's result: one eth_call per chunk.

        The first chunk starts with ``getBlockNumber()`` and runs at ``latest``; any further chunks
        go in one batch pinned to that block, so every balance comes from the same state.
        """
        size = self._settings.holdings_max_calls_per_chunk
        chunks = chunked([function_call(multicall, "getBlockNumber"), *calls], size)
        first = self._eth_calls(chain, multicall, chunks[:1], "latest")
        block = first[0].uint()
        if block is None:
            raise DependencyUnavailable("getBlockNumber failed", dependency=f"chain:{chain.key}")
        rest = self._eth_calls(chain, multicall, chunks[1:], hex(block)) if len(chunks) > 1 else []
        return block, first[1:] + rest

    def _eth_calls(self, chain: Chain, multicall: str, chunks: list[list[Call]], block: str) -> list[Result]:
        requests = [eth_call(multicall, encode_aggregate3(chunk), block) for chunk in chunks]
        results: list[Result] = []
        for chunk, answer in zip(chunks, call_batch(self._transport, chain, requests), strict=True):
            try:
                decoded = decode_aggregate3(bytes.fromhex(str(answer).removeprefix("0x")))
            except Exception as e:  # eth_abi raises several unrelated types on a malformed blob
                raise DependencyUnavailable(
                    f"malformed aggregate3 answer: {e}", dependency=f"chain:{chain.key}"
                ) from e
            if len(decoded) != len(chunk):
                detail = f"aggregate3 answered {len(decoded)} of {len(chunk)} calls"
                raise DependencyUnavailable(detail, dependency=f"chain:{chain.key}")
            results += decoded
        return results

    def _fallback(self, chain_key: str, owners: tuple[str, ...], error: str) -> ChainHoldings:
        snapshot = self._snapshots.latest(chain_key)
        kept = tuple(h for h in snapshot.holdings if h.owner in owners) if snapshot else ()
        if snapshot is None or snapshot.read_at is None or not kept:
            return ChainHoldings(
                chain=chain_key,
                owners=owners,
                holdings=(),
                status="unavailable",
                block_number=None,
                read_at=None,
                age_s=None,
                missing_owners=owners,
                error=error,
            )
        found = {h.owner for h in kept}
        return ChainHoldings(
            chain=chain_key,
            owners=owners,
            holdings=kept,
            status="stale",
            block_number=snapshot.block_number,
            read_at=snapshot.read_at,
            age_s=max(0.0, (self._clock() - snapshot.read_at).total_seconds()),
            missing_owners=tuple(owner for owner in owners if owner not in found),
            error=error,
        )


def _owners(owners: Sequence[str]) -> tuple[str, ...]:
    """Checksummed, without repeats, in the order given."""
    if not owners:
        raise InvalidInput("each chain needs at least one owner address", field="owners")
    return tuple(dict.fromkeys(validate_address(owner) for owner in owners))
