"""Reads holdings on several chains at once: one Multicall3 eth_call per chain, a snapshot if it is down.

An owner holding Uniswap V3 positions adds three rounds on its chain (``tradewind.holdings.liquidity``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from eth_abi.exceptions import DecodingError

from tradewind.chains.batch import Reverted, RpcTransport, call_batch, eth_call
from tradewind.chains.registry import Chain, ChainRegistry
from tradewind.clock import utc_now
from tradewind.deployments.manifest import DeploymentManifest
from tradewind.deployments.registry import ManifestSource
from tradewind.errors import DependencyUnavailable, InvalidInput
from tradewind.holdings.discovery import DiscoveredTokens, with_discovered
from tradewind.holdings.liquidity import (
    Closing,
    PositionState,
    closing_calldata,
    count_calls,
    decode_closing,
    decode_details,
    decode_position,
    decode_token_ids,
    detail_calls,
    details_of,
    index_calls,
    liquidity_position,
    position_calls,
)
from tradewind.holdings.models import UNISWAP_V3, ChainHoldings, LiquidityPosition, OwnerHoldings
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

# Per owner: its liquidity positions that were read, and the names of those that were not.
_OwnerLiquidity = tuple[list[LiquidityPosition], list[str]]


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
        clock: Callable[[], datetime] = utc_now,
        discovered: DiscoveredTokens | None = None,
    ) -> None:
        self._chains = chains
        self._manifests = manifests
        self._snapshots = snapshots
        self._settings = settings
        self._transport = transport
        self._clock = clock
        self._discovered = discovered

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
        if self._discovered is not None:
            manifest = with_discovered(manifest, self._discovered.tokens(chain.key, owners))
        calls = holdings_calls(manifest, owners) + count_calls(manifest, owners)
        block, results = self._aggregate(chain, manifest.multicall3, calls)
        split = len(results) - len(owners)
        try:
            holdings = decode_holdings(manifest, chain.native, owners, results[:split])
            counts = {owner: result.uint() for owner, result in zip(owners, results[split:], strict=True)}
            liquidity = self._read_liquidity(chain, manifest, hex(block), counts)
        except ValueError as e:
            raise DependencyUnavailable(str(e), dependency=f"chain:{chain.key}") from e
        return ChainHoldings(
            chain=chain.key,
            owners=owners,
            holdings=tuple(_with_liquidity(owner, liquidity[owner.owner]) for owner in holdings),
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

    def _read_liquidity(
        self, chain: Chain, manifest: DeploymentManifest, block: str, counts: Mapping[str, int | None]
    ) -> dict[str, _OwnerLiquidity]:
        """Each owner's Uniswap V3 positions, in three more rounds at ``block`` if any owner has some."""
        liquidity: dict[str, _OwnerLiquidity] = {
            owner: ([], [] if count is not None else [UNISWAP_V3]) for owner, count in counts.items()
        }
        held = {owner: count for owner, count in counts.items() if count}
        if not held:
            return liquidity
        size = self._settings.holdings_max_calls_per_chunk
        multicall = manifest.multicall3
        index_results = self._eth_calls(chain, multicall, chunked(index_calls(manifest, held), size), block)
        token_ids = decode_token_ids(held, index_results)
        ids = [token_id for owned, _ in token_ids.values() for token_id in owned]
        position_results = self._eth_calls(
            chain, multicall, chunked(position_calls(manifest, ids), size), block
        )
        states = {i: decode_position(manifest, i, r) for i, r in zip(ids, position_results, strict=True)}
        closings = self._close(chain, manifest, block, token_ids, states)
        for owner, (owned, complete) in token_ids.items():
            positions, unreadable = liquidity[owner]
            if not complete:
                unreadable.append(UNISWAP_V3)
            for token_id in owned:
                position = closings.get(token_id)
                if position is None:
                    unreadable.append(f"{UNISWAP_V3}:{token_id}")
                else:
                    positions.append(position)
        return liquidity

    def _close(
        self,
        chain: Chain,
        manifest: DeploymentManifest,
        block: str,
        token_ids: Mapping[str, tuple[tuple[int, ...], bool]],
        states: Mapping[int, PositionState | None],
    ) -> dict[int, LiquidityPosition]:
        """The positions as closing them now returns, with their pools' ticks: one batch of requests."""
        step = self._settings.holdings_max_positions_per_simulation
        simulations: list[tuple[str, list[PositionState]]] = []
        for owner, (owned, _) in token_ids.items():
            readable = [state for token_id in owned if (state := states[token_id]) is not None]
            simulations += [(owner, readable[at : at + step]) for at in range(0, len(readable), step)]
        if not simulations:
            return {}
        details = details_of(manifest, (state for _, batch in simulations for state in batch))
        chunks = chunked(detail_calls(details), self._settings.holdings_max_calls_per_chunk)
        npm = manifest.uniswap_v3.position_manager
        requests = [eth_call(manifest.multicall3, encode_aggregate3(chunk), block) for chunk in chunks]
        requests += [
            eth_call(npm, closing_calldata(owner, batch), block, sender=owner) for owner, batch in simulations
        ]
        # A closing that reverts (a token refusing the transfer, say) spoils only that owner's batch.
        answers = call_batch(self._transport, chain, requests, accept_reverts=True)
        ticks, decimals = decode_details(details, self._decoded(chain, chunks, answers[: len(chunks)]))
        positions: dict[int, LiquidityPosition] = {}
        for (_, batch), answer in zip(simulations, answers[len(chunks) :], strict=True):
            for state, closing in zip(batch, _closings(answer, batch), strict=True):
                if closing is None:
                    continue
                position = liquidity_position(manifest, state, closing, ticks[state.pool], decimals)
                if position is not None:
                    positions[state.token_id] = position
        return positions

    def _eth_calls(self, chain: Chain, multicall: str, chunks: list[list[Call]], block: str) -> list[Result]:
        requests = [eth_call(multicall, encode_aggregate3(chunk), block) for chunk in chunks]
        return self._decoded(chain, chunks, call_batch(self._transport, chain, requests))

    def _decoded(self, chain: Chain, chunks: list[list[Call]], answers: list[Any]) -> list[Result]:
        """The results of the aggregate3 calls of ``chunks``, from their answers."""
        results: list[Result] = []
        for chunk, answer in zip(chunks, answers, strict=True):
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
        snapshot = self._snapshots.of_owners({chain_key: owners}).get(chain_key)
        kept = snapshot.holdings if snapshot else ()
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


def _with_liquidity(owner: OwnerHoldings, liquidity: _OwnerLiquidity) -> OwnerHoldings:
    positions, unreadable = liquidity
    return owner.model_copy(
        update={"liquidity": tuple(positions), "unreadable": (*owner.unreadable, *unreadable)}
    )


def _closings(answer: Any, batch: Sequence[PositionState]) -> list[Closing | None]:
    """What closing each position returned; all None when the closing reverted or answered nonsense."""
    if isinstance(answer, Reverted):
        return [None] * len(batch)
    try:
        decoded = decode_closing(bytes.fromhex(str(answer).removeprefix("0x")), batch)
    except (ValueError, DecodingError):
        return [None] * len(batch)
    return list(decoded)


def _owners(owners: Sequence[str]) -> tuple[str, ...]:
    """Checksummed, without repeats, in the order given."""
    if not owners:
        raise InvalidInput("each chain needs at least one owner address", field="owners")
    return tuple(dict.fromkeys(validate_address(owner) for owner in owners))
