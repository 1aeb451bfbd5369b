"""Tokens discovered from an owner's incoming ERC-20 Transfer logs, beyond the chain's manifest.

The scheduled sync runs ``TokenDiscovery.discover`` per holder: it scans the owner's incoming
``Transfer`` logs with ``eth_getLogs`` from a per-(chain, owner) cursor to the last confirmed
block, in bounded block ranges (real RPCs cap them), reads the metadata of tokens not seen before
once through Multicall3, and stores the tokens with the new cursor. The holdings reader then adds
the stored tokens of the owners it reads (``DiscoveredTokens``, ``with_discovered``), so a
``GET /v1/portfolio`` costs no log scan.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from eth_abi.abi import decode
from pydantic import BaseModel, ConfigDict, Field

from tradewind.chains.batch import RpcTransport, call_batch, eth_call
from tradewind.chains.registry import Chain, ChainRegistry
from tradewind.clock import utc_now
from tradewind.crypto.keccak import keccak256
from tradewind.deployments.manifest import DeploymentManifest, TokenEntry
from tradewind.deployments.registry import ManifestSource
from tradewind.errors import Conflict, DependencyUnavailable, InvalidInput
from tradewind.holdings.multicall import (
    Call,
    Result,
    chunked,
    decode_aggregate3,
    encode_aggregate3,
    function_call,
)
from tradewind.holdings.settings import HoldingsSettings
from tradewind.wallets.addresses import validate_address

TRANSFER_TOPIC = "0x" + keccak256(b"Transfer(address,address,uint256)").hex()
# ERC-20 and ERC-721 share the Transfer signature; ERC-721 also indexes the token id (a fourth topic).
_ERC20_TOPICS = 3
# Per candidate token, in this order: the metadata the holdings need, and proof it answers balanceOf.
_PROBES_PER_TOKEN = 3
_MAX_DECIMALS = 255  # decimals() is a uint8


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DiscoveredToken(_Frozen):
    """An ERC-20 an owner received that the chain's manifest does not list.

    ``symbol`` is what the token calls itself. Anyone can deploy a token named USDC, so holdings
    list a discovered token under its address (``with_discovered``), never under this symbol:
    otherwise the portfolio would price it as the real one.
    """

    address: str
    symbol: str
    decimals: int = Field(ge=0, le=_MAX_DECIMALS)


class DiscoveryState(_Frozen):
    """Where one owner's discovery on one chain stands: the next block to scan and what was found."""

    chain: str
    owner: str
    next_block: int = Field(ge=0)
    tokens: tuple[DiscoveredToken, ...]
    scanned_at: datetime


class DiscoveredTokens(Protocol):
    """The discovered tokens of owners on a chain: what the holdings reader adds to the manifest's."""

    def tokens(self, chain_key: str, owners: Sequence[str]) -> list[DiscoveredToken]:
        """Every token discovered for any of ``owners`` on the chain, each once."""
        ...


class DiscoveryStore(DiscoveredTokens, Protocol):
    """Keeps each (chain, owner)'s discovery state (DynamoDB in production)."""

    def state(self, chain_key: str, owner: str) -> DiscoveryState | None:
        """The owner's state on the chain, or None before its first discovery."""
        ...

    def save(self, state: DiscoveryState, expected_next_block: int | None) -> None:
        """Replace the state; Conflict unless the stored cursor is still ``expected_next_block``.

        ``expected_next_block`` None means no state may exist yet. The condition keeps two runs
        for the same owner from overwriting each other's tokens.
        """
        ...


@dataclass(frozen=True)
class BlockRange:
    """Blocks ``first`` to ``last``, both included: one ``eth_getLogs`` request."""

    first: int
    last: int


def block_ranges(first: int, last: int, size: int) -> list[BlockRange]:
    """``first`` to ``last`` (included) in ranges of at most ``size`` blocks; none if ``first > last``."""
    if size < 1:
        raise ValueError(f"block range size must be positive, got {size}")
    return [BlockRange(start, min(start + size - 1, last)) for start in range(first, last + 1, size)]


def first_block(state: DiscoveryState | None, confirmed: int, first_scan_blocks: int) -> int:
    """Where a scan starts: the cursor, or for an owner never scanned the last ``first_scan_blocks``.

    Scanning a real chain from genesis would take thousands of ranges per owner, so the first
    scan looks back a bounded number of blocks (all of a young local chain).
    """
    if state is not None:
        return state.next_block
    return max(0, confirmed - first_scan_blocks + 1)


def address_topic(address: str) -> str:
    """An address as an indexed event argument: left-padded to 32 bytes, lower case."""
    return "0x" + "0" * 24 + address.removeprefix("0x").lower()


def transfer_logs_request(owner: str, blocks: BlockRange) -> tuple[str, list[Any]]:
    """The ``eth_getLogs`` of Transfer events to ``owner`` (topic 2) from any contract in ``blocks``."""
    log_filter = {
        "fromBlock": hex(blocks.first),
        "toBlock": hex(blocks.last),
        "topics": [TRANSFER_TOPIC, None, address_topic(owner)],
    }
    return "eth_getLogs", [log_filter]


def token_addresses(logs: Iterable[Any], owner: str) -> list[str]:
    """The checksummed contracts that sent ``owner`` an ERC-20 Transfer, in order of first log, each once.

    The node filtered by topic already; the checks are repeated because an answer is data from
    outside. ERC-721 transfers (four topics) and logs of reorganised blocks (``removed``) are not
    ERC-20 receipts.
    """
    recipient = address_topic(owner)
    found: dict[str, None] = {}
    for log in logs:
        if not isinstance(log, dict) or log.get("removed") is True:
            continue
        topics = log.get("topics")
        if not isinstance(topics, list) or len(topics) != _ERC20_TOPICS:
            continue
        if str(topics[0]).lower() != TRANSFER_TOPIC or str(topics[2]).lower() != recipient:
            continue
        try:
            found.setdefault(validate_address(str(log.get("address"))), None)
        except InvalidInput:
            continue
    return list(found)


def metadata_calls(addresses: Sequence[str], owner: str) -> list[Call]:
    """Per address ``decimals()``, ``symbol()`` and ``balanceOf(owner)``, in that order."""
    calls: list[Call] = []
    for address in addresses:
        calls.append(function_call(address, "decimals"))
        calls.append(function_call(address, "symbol"))
        calls.append(function_call(address, "balanceOf", ["address"], [owner]))
    return calls


def decode_metadata(addresses: Sequence[str], results: Sequence[Result]) -> list[DiscoveredToken]:
    """The addresses that answered all three probes as an ERC-20 does; the others are left out."""
    if len(results) != _PROBES_PER_TOKEN * len(addresses):
        raise ValueError(f"expected {_PROBES_PER_TOKEN * len(addresses)} results, got {len(results)}")
    tokens: list[DiscoveredToken] = []
    for index, address in enumerate(addresses):
        decimals, symbol, balance = results[_PROBES_PER_TOKEN * index : _PROBES_PER_TOKEN * (index + 1)]
        places, name = decimals.uint(), decode_symbol(symbol)
        if places is None or places > _MAX_DECIMALS or name is None or balance.uint() is None:
            continue
        tokens.append(DiscoveredToken(address=address, symbol=name, decimals=places))
    return tokens


def decode_symbol(result: Result) -> str | None:
    """``symbol()`` as a string; early tokens (MKR) return bytes32. None when it says nothing readable."""
    if not result.success:
        return None
    if len(result.data) == 32:
        raw = result.data.rstrip(b"\0")
    else:
        try:
            (text,) = decode(["string"], result.data)
        except Exception:  # eth_abi raises several unrelated types on a malformed blob
            return None
        raw = str(text).encode()
    try:
        symbol = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        return None
    return symbol or None


def with_discovered(manifest: DeploymentManifest, tokens: Iterable[DiscoveredToken]) -> DeploymentManifest:
    """The manifest with the discovered tokens it does not list, each under its address as symbol.

    The address, not the token's own symbol: a symbol is a claim anyone can make (see
    ``DiscoveredToken``), and prices are looked up by symbol.
    """
    listed = {address.lower() for address in _listed(manifest)}
    extra = {
        token.address: TokenEntry(
            symbol=token.address, name=token.symbol, decimals=token.decimals, address=token.address
        )
        for token in tokens
        if token.address.lower() not in listed
    }
    if not extra:
        return manifest
    return manifest.model_copy(update={"tokens": (*manifest.tokens, *extra.values())})


def _listed(manifest: DeploymentManifest) -> list[str]:
    """Addresses the holdings already read: the manifest's tokens and its vaults' shares."""
    return [token.address for token in manifest.tokens] + [vault.address for vault in manifest.vaults]


class TokenDiscovery:
    """Finds the ERC-20s an owner received that the chain's manifest does not list, and remembers them."""

    def __init__(
        self,
        chains: ChainRegistry,
        manifests: ManifestSource,
        store: DiscoveryStore,
        *,
        settings: HoldingsSettings,
        transport: RpcTransport,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._chains = chains
        self._manifests = manifests
        self._store = store
        self._settings = settings
        self._transport = transport
        self._clock = clock

    def discover(self, chain_key: str, owner: str) -> list[DiscoveredToken]:
        """The tokens found since the owner's cursor, stored with the cursor past the last confirmed block.

        Empty when no block was confirmed since the last run, or when another run for the same
        owner saved first (it scanned the same blocks). Raises DependencyUnavailable when the chain
        does not answer; nothing is stored then, so a retry scans the same blocks again.
        """
        chain = self._chains.get(chain_key)
        owner = validate_address(owner)
        manifest = self._manifests.manifest(chain.key)
        state = self._store.state(chain.key, owner)
        confirmed = self._latest_block(chain) - chain.confirmations + 1
        start = first_block(state, confirmed, self._settings.holdings_discovery_first_scan_blocks)
        if start > confirmed:
            return []
        known = {address.lower() for address in _listed(manifest)}
        kept = state.tokens if state is not None else ()
        known |= {token.address.lower() for token in kept}
        ranges = block_ranges(start, confirmed, self._settings.holdings_discovery_block_range)
        candidates = [a for a in self._received_from(chain, owner, ranges) if a.lower() not in known]
        room = max(0, self._settings.holdings_max_discovered_tokens - len(kept))
        found = self._erc20s(chain, manifest, owner, candidates, confirmed)[:room] if room else []
        updated = DiscoveryState(
            chain=chain.key,
            owner=owner,
            next_block=confirmed + 1,
            tokens=(*kept, *found),
            scanned_at=self._clock(),
        )
        try:
            self._store.save(updated, state.next_block if state is not None else None)
        except Conflict:
            return []
        return found

    def _latest_block(self, chain: Chain) -> int:
        (answer,) = call_batch(self._transport, chain, [("eth_blockNumber", [])])
        try:
            return int(str(answer), 16)
        except ValueError as e:
            raise DependencyUnavailable(
                f"eth_blockNumber answered {answer!r}", dependency=f"chain:{chain.key}"
            ) from e

    def _received_from(self, chain: Chain, owner: str, ranges: Sequence[BlockRange]) -> list[str]:
        """The contracts with a Transfer to ``owner`` in ``ranges``: a few ranges per JSON-RPC batch."""
        per_batch = self._settings.holdings_discovery_ranges_per_batch
        logs: list[Any] = []
        for at in range(0, len(ranges), per_batch):
            requests = [transfer_logs_request(owner, blocks) for blocks in ranges[at : at + per_batch]]
            for answer in call_batch(self._transport, chain, requests):
                if not isinstance(answer, list):
                    raise DependencyUnavailable(
                        f"eth_getLogs answered {answer!r}", dependency=f"chain:{chain.key}"
                    )
                logs += answer
        return token_addresses(logs, owner)

    def _erc20s(
        self, chain: Chain, manifest: DeploymentManifest, owner: str, candidates: Sequence[str], block: int
    ) -> list[DiscoveredToken]:
        """The candidates that answer as ERC-20s at ``block``: all probes in one batch of aggregate3 calls."""
        if not candidates:
            return []
        chunks = chunked(metadata_calls(candidates, owner), self._settings.holdings_max_calls_per_chunk)
        requests = [eth_call(manifest.multicall3, encode_aggregate3(chunk), hex(block)) for chunk in chunks]
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
        return decode_metadata(candidates, results)
