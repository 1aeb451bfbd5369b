"""Token discovery: Transfer log decoding, block ranges, metadata probes and the per-owner cursor."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from eth_abi.abi import decode, encode

from tests.unit.manifests import placeholder, sample_manifest
from tests.unit.memory import FakeClock
from tradewind.chains.batch import RpcRequest
from tradewind.chains.registry import ChainRegistry
from tradewind.deployments.manifest import DeploymentManifest, TokenEntry, VaultEntry
from tradewind.errors import Conflict, DependencyUnavailable
from tradewind.holdings.discovery import (
    TRANSFER_TOPIC,
    BlockRange,
    DiscoveredToken,
    DiscoveryState,
    TokenDiscovery,
    address_topic,
    block_ranges,
    decode_metadata,
    first_block,
    metadata_calls,
    token_addresses,
    transfer_logs_request,
    with_discovered,
)
from tradewind.holdings.multicall import Result, selector
from tradewind.holdings.settings import HoldingsSettings
from tradewind.wallets.addresses import to_checksum_address

OWNER = to_checksum_address("0x" + "a1" * 20)
OTHER = to_checksum_address("0x" + "b2" * 20)
USDC, VAULT = placeholder("7"), placeholder("c")
UNI = to_checksum_address("0x" + "d1" * 20)
PEPE = to_checksum_address("0x" + "d2" * 20)
NFT = to_checksum_address("0x" + "d3" * 20)
NOT_A_TOKEN = to_checksum_address("0x" + "d4" * 20)
URL = "http://chain.invalid/"


def _log(
    token: str, to: str = OWNER, block: int = 1, *, extra_topics: int = 0, removed: bool = False
) -> dict[str, Any]:
    """A Transfer log as eth_getLogs answers it (``extra_topics`` 1 makes it an ERC-721 transfer)."""
    topics = [TRANSFER_TOPIC, address_topic(OTHER), address_topic(to)] + [address_topic(OTHER)] * extra_topics
    return {
        "address": token.lower(),
        "topics": topics,
        "data": "0x" + "00" * 31 + "05",
        "blockNumber": hex(block),
        "removed": removed,
    }


def _manifest(chain_key: str = "local-l1") -> DeploymentManifest:
    tokens = (TokenEntry(symbol="USDC", name="USD Coin", decimals=6, address=USDC),)
    vaults = (VaultEntry(symbol="twyUSDC", name="Yield USDC", asset="USDC", address=VAULT),)
    manifest = sample_manifest(tokens, vault_defaults=None)
    return manifest.model_copy(update={"chain_key": chain_key, "vaults": vaults})


# --- pure parts ---------------------------------------------------------------------------------


def test_block_ranges_cover_the_span_in_bounded_consecutive_ranges() -> None:
    assert block_ranges(10, 34, 10) == [BlockRange(10, 19), BlockRange(20, 29), BlockRange(30, 34)]
    assert block_ranges(10, 19, 10) == [BlockRange(10, 19)]
    assert block_ranges(7, 7, 2_000) == [BlockRange(7, 7)]
    assert block_ranges(11, 10, 10) == []
    with pytest.raises(ValueError, match="positive"):
        block_ranges(0, 10, 0)


def test_a_first_scan_looks_back_a_bounded_number_of_blocks_and_later_ones_start_at_the_cursor() -> None:
    state = DiscoveryState(
        chain="local-l1", owner=OWNER, next_block=42, tokens=(), scanned_at=FakeClock().now
    )
    assert first_block(None, confirmed=1_000, first_scan_blocks=100) == 901
    assert first_block(None, confirmed=50, first_scan_blocks=100) == 0
    assert first_block(state, confirmed=1_000, first_scan_blocks=100) == 42


def test_the_log_request_asks_for_transfers_to_the_owner_in_the_range() -> None:
    method, (log_filter,) = transfer_logs_request(OWNER, BlockRange(16, 31))
    assert method == "eth_getLogs"
    assert log_filter == {
        "fromBlock": "0x10",
        "toBlock": "0x1f",
        "topics": [TRANSFER_TOPIC, None, "0x" + "0" * 24 + "a1" * 20],
    }
    # The well-known topic of Transfer(address,address,uint256)
    assert TRANSFER_TOPIC == "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"


def test_only_erc20_transfers_to_the_owner_name_a_token_each_once_in_order() -> None:
    # Given the logs a node answered: two of UNI, one of PEPE, and some that are not ERC-20 receipts
    logs = [
        _log(UNI, block=1),
        _log(NFT, extra_topics=1),  # ERC-721: the token id is a fourth topic
        _log(PEPE, block=2),
        _log(UNI, block=3),
        _log(NOT_A_TOKEN, to=OTHER),  # to someone else
        _log(NOT_A_TOKEN, removed=True),  # from a block that was reorganised away
        {**_log(NOT_A_TOKEN), "topics": ["0x" + "11" * 32, *_log(NOT_A_TOKEN)["topics"][1:]]},
        {**_log(NOT_A_TOKEN), "address": "0x1234"},
        "not a log",
    ]
    # Then UNI and PEPE are found, checksummed, in order of their first log
    assert token_addresses(logs, OWNER) == [UNI, PEPE]


def _word(value: int) -> bytes:
    return encode(["uint256"], [value])


def test_metadata_probes_keep_only_tokens_that_answer_as_erc20s() -> None:
    # Given five candidates and what each answered to decimals(), symbol() and balanceOf(owner)
    addresses = [UNI, PEPE, NFT, NOT_A_TOKEN, USDC]
    calls = metadata_calls(addresses, OWNER)
    assert [call.data[:4] for call in calls[:3]] == [
        selector("decimals()"),
        selector("symbol()"),
        selector("balanceOf(address)"),
    ]
    results = [
        # UNI: a string symbol
        Result(True, _word(18)),
        Result(True, encode(["string"], ["UNI"])),
        Result(True, _word(5)),
        # PEPE: an early-style bytes32 symbol
        Result(True, _word(9)),
        Result(True, b"PEPE".ljust(32, b"\0")),
        Result(True, _word(0)),
        # NFT: no decimals()
        Result(False, b""),
        Result(True, encode(["string"], ["NFT"])),
        Result(True, _word(1)),
        # Not a token: a call to it "succeeds" with nothing (no code), or with nonsense
        Result(True, b""),
        Result(True, b"\x01\x02"),
        Result(True, b""),
        # Decimals beyond uint8
        Result(True, _word(256)),
        Result(True, encode(["string"], ["BIG"])),
        Result(True, _word(0)),
    ]
    # Then only UNI and PEPE are tokens, with their own symbols and decimals
    assert decode_metadata(addresses, results) == [
        DiscoveredToken(address=UNI, symbol="UNI", decimals=18),
        DiscoveredToken(address=PEPE, symbol="PEPE", decimals=9),
    ]
    with pytest.raises(ValueError, match="expected 15 results"):
        decode_metadata(addresses, results[:-1])


def test_discovered_tokens_join_the_manifest_under_their_address_never_under_their_symbol() -> None:
    # Given a discovered token that calls itself USDC, one the manifest lists, and the vault's shares
    fake_usdc = DiscoveredToken(address=UNI, symbol="USDC", decimals=6)
    listed = DiscoveredToken(address=USDC.lower(), symbol="USDC", decimals=6)
    shares = DiscoveredToken(address=VAULT, symbol="twyUSDC", decimals=6)
    manifest = _manifest()
    # When they are added to the manifest
    extended = with_discovered(manifest, [fake_usdc, listed, shares, fake_usdc])
    # Then only the unlisted one is added, once, named by its address
    assert extended.tokens[:-1] == manifest.tokens
    assert extended.tokens[-1] == TokenEntry(symbol=UNI, name="USDC", decimals=6, address=UNI)
    assert extended.token("USDC").address == USDC
    assert with_discovered(manifest, []) is manifest


# --- the discovery run, over a scripted chain and an in-memory store -----------------------------


class InMemoryDiscoveryStore:
    """DiscoveryStore over a dict, with the DynamoDB store's conditional save."""

    def __init__(self) -> None:
        self.states: dict[tuple[str, str], DiscoveryState] = {}
        # Set to make the next save find that another run saved this state first.
        self.saved_meanwhile: DiscoveryState | None = None

    def state(self, chain_key: str, owner: str) -> DiscoveryState | None:
        return self.states.get((chain_key, owner))

    def tokens(self, chain_key: str, owners: Sequence[str]) -> list[DiscoveredToken]:
        found: dict[str, DiscoveredToken] = {}
        for owner in owners:
            state = self.states.get((chain_key, owner))
            for token in state.tokens if state else ():
                found.setdefault(token.address, token)
        return list(found.values())

    def save(self, state: DiscoveryState, expected_next_block: int | None) -> None:
        if self.saved_meanwhile is not None:
            self.states[(state.chain, state.owner)], self.saved_meanwhile = self.saved_meanwhile, None
        current = self.states.get((state.chain, state.owner))
        if (current.next_block if current else None) != expected_next_block:
            raise Conflict("another run saved first")
        self.states[(state.chain, state.owner)] = state


class ScriptedChain:
    """RpcTransport answering a chain's head, its Transfer logs by block and its tokens' metadata.

    Records every request, so tests can see which block ranges were asked for.
    """

    def __init__(self, head: int, logs: list[dict[str, Any]], tokens: dict[str, tuple[str, int]]) -> None:
        self.head = head
        self.logs = logs
        self.tokens = tokens  # address -> (symbol, decimals); any other address has no code
        self.down = False
        self.batches: list[list[RpcRequest]] = []

    def post(self, url: str, batch: list[RpcRequest]) -> list[dict[str, Any]]:
        self.batches.append(batch)
        if self.down:
            raise DependencyUnavailable(f"{url}: connection refused", dependency="chain")
        return [{"jsonrpc": "2.0", "id": r["id"], "result": self._answer(r)} for r in batch]

    def ranges(self) -> list[tuple[int, int]]:
        """The (from, to) block of every eth_getLogs request, in order."""
        return [
            (int(r["params"][0]["fromBlock"], 16), int(r["params"][0]["toBlock"], 16))
            for batch in self.batches
            for r in batch
            if r["method"] == "eth_getLogs"
        ]

    def _answer(self, request: RpcRequest) -> Any:
        if request["method"] == "eth_blockNumber":
            return hex(self.head)
        if request["method"] == "eth_getLogs":
            first, last = (int(request["params"][0][key], 16) for key in ("fromBlock", "toBlock"))
            return [log for log in self.logs if first <= int(log["blockNumber"], 16) <= last]
        (calls,) = decode(["(address,bool,bytes)[]"], bytes.fromhex(request["params"][0]["data"][10:]))
        results = [self._probe(to_checksum_address(target), bytes(data[:4])) for target, _, data in calls]
        return "0x" + encode(["(bool,bytes)[]"], [results]).hex()

    def _probe(self, target: str, called: bytes) -> tuple[bool, bytes]:
        if target not in self.tokens:
            return True, b""  # no code: the call "succeeds" with nothing
        symbol, decimals = self.tokens[target]
        if called == selector("symbol()"):
            return True, encode(["string"], [symbol])
        return True, _word(decimals if called == selector("decimals()") else 5)


class Manifests:
    """ManifestSource over one manifest per chain key."""

    def manifest(self, chain_key: str) -> DeploymentManifest:
        return _manifest(chain_key)


def _discovery(
    chain: ScriptedChain, store: InMemoryDiscoveryStore, chain_key: str = "local-l1", **settings: int
) -> TokenDiscovery:
    defaults = {"holdings_discovery_block_range": 10, "holdings_discovery_ranges_per_batch": 2}
    return TokenDiscovery(
        ChainRegistry.select([chain_key], {chain_key: [URL]}),
        Manifests(),
        store,
        settings=HoldingsSettings.model_validate(defaults | settings),
        transport=chain,
        clock=FakeClock(),
    )


def test_a_first_discovery_scans_to_the_head_in_ranges_and_stores_the_tokens_with_the_cursor() -> None:
    # Given a 35-block chain where the owner received UNI, PEPE, USDC (listed) and an NFT
    logs = [
        _log(UNI, block=3),
        _log(USDC, block=12),
        _log(PEPE, block=30),
        _log(NFT, block=31, extra_topics=1),
    ]
    chain = ScriptedChain(head=35, logs=logs, tokens={UNI: ("UNI", 18), PEPE: ("PEPE", 9)})
    store = InMemoryDiscoveryStore()
    # When the owner's tokens are discovered for the first time (given in lower case)
    found = _discovery(chain, store).discover("local-l1", OWNER.lower())
    # Then blocks 0..35 were scanned in ranges of 10 blocks, two ranges per batch
    assert chain.ranges() == [(0, 9), (10, 19), (20, 29), (30, 35)]
    assert [[r["method"] for r in batch] for batch in chain.batches[1:3]] == [["eth_getLogs"] * 2] * 2
    # And the two unlisted ERC-20s were found and stored with the cursor past the head
    assert found == [
        DiscoveredToken(address=UNI, symbol="UNI", decimals=18),
        DiscoveredToken(address=PEPE, symbol="PEPE", decimals=9),
    ]
    state = store.state("local-l1", OWNER)
    assert state is not None
    assert (state.next_block, state.tokens, state.scanned_at) == (36, tuple(found), FakeClock().now)


def test_a_later_discovery_starts_at_the_cursor_and_probes_only_new_tokens() -> None:
    # Given an owner discovered up to block 35 (UNI found), and UNI and PEPE sent again since
    chain = ScriptedChain(head=35, logs=[_log(UNI, block=3)], tokens={UNI: ("UNI", 18), PEPE: ("PEPE", 9)})
    store = InMemoryDiscoveryStore()
    discovery = _discovery(chain, store)
    discovery.discover("local-l1", OWNER)
    chain.logs += [_log(UNI, block=36), _log(PEPE, block=41)]
    chain.head, chain.batches = 41, []
    # When it runs again
    found = discovery.discover("local-l1", OWNER)
    # Then it scanned only blocks 36..41, probed only PEPE, and kept UNI
    assert chain.ranges() == [(36, 41)]
    calls = chain.batches[-1][0]["params"][0]["data"]
    assert UNI.lower()[2:] not in calls
    assert PEPE.lower()[2:] in calls
    assert found == [DiscoveredToken(address=PEPE, symbol="PEPE", decimals=9)]
    state = store.state("local-l1", OWNER)
    assert state is not None
    assert [t.address for t in state.tokens] == [UNI, PEPE]
    assert state.next_block == 42
    # And with no new block, a run asks only for the head
    chain.batches = []
    assert discovery.discover("local-l1", OWNER) == []
    assert [[r["method"] for r in batch] for batch in chain.batches] == [["eth_blockNumber"]]


def test_a_chain_needing_confirmations_is_scanned_only_up_to_its_last_confirmed_block() -> None:
    # Given Ethereum (3 confirmations) at block 100 and a first scan looking back 50 blocks
    chain = ScriptedChain(head=100, logs=[_log(UNI, block=99)], tokens={UNI: ("UNI", 18)})
    store = InMemoryDiscoveryStore()
    # When discovery runs
    found = _discovery(
        chain, store, "ethereum", holdings_discovery_first_scan_blocks=50, holdings_discovery_block_range=100
    ).discover("ethereum", OWNER)
    # Then it scanned the 50 blocks up to 98 (100 and 99 are not yet 3 deep): UNI is not seen yet
    assert chain.ranges() == [(49, 98)]
    assert found == []
    state = store.state("ethereum", OWNER)
    assert state is not None
    assert state.next_block == 99


def test_a_chain_that_does_not_answer_leaves_the_cursor_where_it_was() -> None:
    chain = ScriptedChain(head=20, logs=[_log(UNI, block=3)], tokens={UNI: ("UNI", 18)})
    store = InMemoryDiscoveryStore()
    discovery = _discovery(chain, store)
    discovery.discover("local-l1", OWNER)
    chain.head, chain.down = 30, True
    with pytest.raises(DependencyUnavailable):
        discovery.discover("local-l1", OWNER)
    state = store.state("local-l1", OWNER)
    assert state is not None
    assert state.next_block == 21


def test_when_another_run_saved_first_its_state_is_kept_and_nothing_is_reported() -> None:
    # Given a run that saved the owner's state while this one was scanning
    chain = ScriptedChain(head=20, logs=[_log(UNI, block=3)], tokens={UNI: ("UNI", 18)})
    store = InMemoryDiscoveryStore()
    other = DiscoveryState(
        chain="local-l1",
        owner=OWNER,
        next_block=21,
        tokens=(DiscoveredToken(address=UNI, symbol="UNI", decimals=18),),
        scanned_at=FakeClock().now,
    )
    store.saved_meanwhile = other
    # When this run saves, then its result is dropped and the other's state stays
    assert _discovery(chain, store).discover("local-l1", OWNER) == []
    assert store.state("local-l1", OWNER) == other


def test_an_owner_keeps_at_most_the_configured_number_of_tokens() -> None:
    # Given a cap of one token and an owner sent two
    chain = ScriptedChain(
        head=20, logs=[_log(UNI, block=3), _log(PEPE, block=4)], tokens={UNI: ("UNI", 18), PEPE: ("PEPE", 9)}
    )
    store = InMemoryDiscoveryStore()
    discovery = _discovery(chain, store, holdings_max_discovered_tokens=1)
    # When discovery runs twice, the second time with another token sent
    first = discovery.discover("local-l1", OWNER)
    chain.logs.append(_log(PEPE, block=25))
    chain.head, chain.batches = 30, []
    second = discovery.discover("local-l1", OWNER)
    # Then only the first token found is kept, a full owner's candidates are not even probed,
    # and the cursor still moves on
    assert [t.address for t in first] == [UNI]
    assert second == []
    assert [r["method"] for batch in chain.batches for r in batch] == ["eth_blockNumber", "eth_getLogs"]
    state = store.state("local-l1", OWNER)
    assert state is not None
    assert ([t.address for t in state.tokens], state.next_block) == ([UNI], 31)
