"""HoldingsReader over scripted transports: batching, chunking, failover, liquidity, the stale fallback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from eth_abi.abi import decode, encode

from tests.unit.manifests import placeholder, sample_manifest
from tests.unit.memory import FakeClock
from tradewind.chains.batch import RpcRequest
from tradewind.chains.registry import ChainRegistry
from tradewind.deployments.manifest import DeploymentManifest, TokenEntry, VaultEntry
from tradewind.errors import DependencyUnavailable, InvalidInput, NotFound
from tradewind.holdings import ChainHoldings, InMemorySnapshotSource
from tradewind.holdings.liquidity import PositionState, closing_calldata, pool_address
from tradewind.holdings.multicall import function_call
from tradewind.holdings.reader import HoldingsReader
from tradewind.holdings.settings import HoldingsSettings
from tradewind.wallets.addresses import to_checksum_address

ALICE = to_checksum_address("0x" + "a1" * 20)
BOB = to_checksum_address("0x" + "b2" * 20)
USDC, DAI, YUSDC = placeholder("7"), placeholder("8"), placeholder("c")
BLOCK = 1234
L1_URLS = ["http://l1-primary.invalid/", "http://l1-backup.invalid/"]  # as HttpUrl normalises them
L2_URL = "http://l2.invalid/"


def _manifest(chain_key: str, chain_id: int) -> DeploymentManifest:
    tokens = (
        TokenEntry(symbol="USDC", name="USD Coin", decimals=6, address=USDC),
        TokenEntry(symbol="DAI", name="Dai", decimals=18, address=DAI),
    )
    vaults = (VaultEntry(symbol="twyUSDC", name="Yield USDC", asset="USDC", address=YUSDC),)
    manifest = sample_manifest(tokens, vault_defaults=None)
    return manifest.model_copy(update={"chain_key": chain_key, "chain_id": chain_id, "vaults": vaults})


class Manifests:
    """ManifestSource over a dict."""

    def __init__(self) -> None:
        self.by_chain = {"local-l1": _manifest("local-l1", 31337), "local-l2": _manifest("local-l2", 31338)}

    def manifest(self, chain_key: str) -> DeploymentManifest:
        return self.by_chain[chain_key]


def _values(manifest: DeploymentManifest) -> dict[bytes, int | bytes]:
    """What each call of the sample manifest answers, keyed by its calldata (targets differ per call)."""

    def call(target: str, name: str, owner: str | None = None) -> bytes:
        args = [owner] if owner else []
        return target.encode() + function_call(target, name, ["address"] if owner else [], args).data

    return {
        call(manifest.multicall3, "getBlockNumber"): BLOCK,
        call(YUSDC, "decimals"): 6,
        call(manifest.multicall3, "getEthBalance", ALICE): 2 * 10**18,
        call(USDC, "balanceOf", ALICE): 1_500_000,
        call(DAI, "balanceOf", ALICE): 10**17,
        call(YUSDC, "balanceOf", ALICE): 3_000_000,
        call(YUSDC, "maxWithdraw", ALICE): 3_300_000,
        call(manifest.multicall3, "getEthBalance", BOB): 0,
    }


class ScriptedTransport:
    """Answers each aggregate3 from a table of canned words and records every batch; URLs may be dead.

    An eth_call with a sender (a position closing) is answered from ``closings`` by sender and
    calldata; None there answers that the call reverted.
    """

    def __init__(self, values: dict[bytes, int | bytes], failing: frozenset[bytes] = frozenset()) -> None:
        self.values = values
        self.failing = failing
        self.closings: dict[bytes, bytes | None] = {}
        self.dead: set[str] = set()
        self.erroring: set[str] = set()
        self.batches: list[tuple[str, list[RpcRequest]]] = []

    def post(self, url: str, batch: list[RpcRequest]) -> list[dict[str, Any]]:
        self.batches.append((url, batch))
        if url in self.dead:
            raise DependencyUnavailable(f"{url}: connection refused", dependency="chain")
        if url in self.erroring:
            return [
                {"jsonrpc": "2.0", "id": r["id"], "error": {"code": -32005, "message": "limited"}}
                for r in batch
            ]
        return [self._reply(r) for r in batch]

    def _reply(self, request: RpcRequest) -> dict[str, Any]:
        call = request["params"][0]
        if "from" not in call:
            return {"jsonrpc": "2.0", "id": request["id"], "result": self._answer(call["data"])}
        closing = self.closings[call["from"].encode() + bytes.fromhex(call["data"][2:])]
        if closing is None:
            return {
                "jsonrpc": "2.0",
                "id": request["id"],
                "error": {"code": 3, "message": "execution reverted"},
            }
        return {"jsonrpc": "2.0", "id": request["id"], "result": "0x" + closing.hex()}

    def _answer(self, data: str) -> str:
        (calls,) = decode(["(address,bool,bytes)[]"], bytes.fromhex(data[10:]))
        results = []
        for target, _, calldata in calls:
            key = target.lower().encode() + bytes(calldata)
            ok = key not in self.failing
            value = self.values.get(key, 0)
            results.append(
                (ok, (value if isinstance(value, bytes) else encode(["uint256"], [value])) if ok else b"")
            )
        return "0x" + encode(["(bool,bytes)[]"], [results]).hex()

    def eth_calls(self, url_prefix: str = "") -> int:
        """How many eth_call requests went to URLs starting with ``url_prefix``."""
        return sum(
            1
            for url, batch in self.batches
            if url.startswith(url_prefix)
            for r in batch
            if r["method"] == "eth_call"
        )


Build = Callable[..., tuple[HoldingsReader, ScriptedTransport, InMemorySnapshotSource, FakeClock]]


@pytest.fixture
def build() -> Build:
    def _build(
        max_chunk: int = 500, failing: frozenset[bytes] = frozenset()
    ) -> tuple[HoldingsReader, ScriptedTransport, InMemorySnapshotSource, FakeClock]:
        manifests = Manifests()
        transport = ScriptedTransport(_values(manifests.by_chain["local-l1"]), failing)
        chains = ChainRegistry.select(["local-l1", "local-l2"], {"local-l1": L1_URLS, "local-l2": [L2_URL]})
        snapshots, clock = InMemorySnapshotSource(), FakeClock()
        reader = HoldingsReader(
            chains,
            manifests,
            snapshots,
            settings=HoldingsSettings(holdings_max_calls_per_chunk=max_chunk),
            transport=transport,
            clock=clock,
        )
        return reader, transport, snapshots, clock

    return _build


def _by_owner(holdings: ChainHoldings, owner: str) -> dict[str, str]:
    """Symbol -> amount for one owner, native and vault underlying included."""
    (entry,) = [h for h in holdings.holdings if h.owner == owner]
    amounts = {t.symbol: t.amount for t in entry.tokens}
    amounts |= {v.vault: f"{v.shares} -> {v.underlying_amount} {v.underlying}" for v in entry.vaults}
    assert entry.native is not None
    return amounts | {entry.native.symbol: entry.native.amount}


def test_owners_of_one_chain_are_read_with_one_eth_call(build: Build) -> None:
    # Given two owners on local-l1
    reader, transport, _, clock = build()
    # When their holdings are read (Bob in lower case, Alice twice)
    (l1,) = reader.read({"local-l1": [ALICE, BOB.lower(), ALICE]})
    # Then one eth_call to the primary URL read both, at the block getBlockNumber reported
    assert transport.eth_calls() == 1
    assert transport.batches[0][0] == L1_URLS[0]
    assert (l1.chain, l1.status, l1.stale, l1.block_number, l1.read_at, l1.age_s) == (
        "local-l1",
        "fresh",
        False,
        BLOCK,
        clock.now,
        0.0,
    )
    assert l1.owners == (ALICE, BOB)
    # And amounts are in token units, vault positions in shares and withdrawable underlying
    assert _by_owner(l1, ALICE) == {
        "ETH": "2",
        "USDC": "1.5",
        "DAI": "0.1",
        "twyUSDC": "3 -> 3.3 USDC",
    }
    assert _by_owner(l1, BOB) == {"ETH": "0", "USDC": "0", "DAI": "0", "twyUSDC": "0 -> 0 USDC"}
    assert l1.holdings[0].tokens[0].raw == 1_500_000


def test_chains_are_read_separately_with_one_eth_call_each(build: Build) -> None:
    reader, transport, _, _ = build()
    l1, l2 = reader.read({"local-l1": [ALICE], "local-l2": [BOB]})
    assert (l1.chain, l2.chain) == ("local-l1", "local-l2")
    assert (transport.eth_calls("http://l1-primary"), transport.eth_calls(L2_URL)) == (1, 1)


def test_a_large_batch_is_chunked_and_later_chunks_are_pinned_to_the_first_chunks_block(build: Build) -> None:
    # Given chunks of at most 5 calls; two owners need 1 + 1 + 2 * (1 + 2 + 2 + 1) = 14 calls
    # (the block, the vault's decimals, then per owner: ETH, 2 tokens, 2 vault calls, a position count)
    reader, transport, _, _ = build(max_chunk=5)
    # When they are read
    (l1,) = reader.read({"local-l1": [ALICE, BOB]})
    # Then three eth_calls were made: the first at latest, the other two in one batch at its block
    assert transport.eth_calls() == 3
    first, rest = transport.batches
    assert [r["params"][1] for r in first[1]] == ["latest"]
    assert [r["params"][1] for r in rest[1]] == [hex(BLOCK), hex(BLOCK)]
    # And the result is the same as unchunked
    assert _by_owner(l1, ALICE)["twyUSDC"] == "3 -> 3.3 USDC"


def test_the_next_url_is_used_when_the_first_does_not_answer_or_answers_errors(build: Build) -> None:
    reader, transport, _, _ = build()
    for fault in (transport.dead, transport.erroring):
        transport.batches.clear()
        fault.add(L1_URLS[0])
        (l1,) = reader.read({"local-l1": [ALICE]})
        fault.clear()
        assert l1.status == "fresh"
        assert [url for url, _ in transport.batches] == L1_URLS


def test_a_chain_that_does_not_answer_is_served_from_its_last_snapshot_with_its_age(build: Build) -> None:
    # Given a fresh read of both chains, then local-l1 going down and 90 seconds passing
    reader, transport, _, clock = build()
    before, _ = reader.read({"local-l1": [ALICE, BOB], "local-l2": [BOB]})
    transport.dead.update(L1_URLS)
    clock.advance(90)
    # When the holdings are read again
    l1, l2 = reader.read({"local-l1": [ALICE], "local-l2": [BOB]})
    # Then local-l1 is the snapshot, for the requested owner only, marked stale with its age and the cause
    assert (l1.status, l1.stale, l1.age_s, l1.block_number) == ("stale", True, 90.0, BLOCK)
    assert l1.read_at == before.read_at
    assert l1.holdings == before.holdings[:1]
    assert l1.error is not None
    assert "connection refused" in l1.error
    # And local-l2 is fresh
    assert (l2.status, l2.age_s) == ("fresh", 0.0)


def test_owners_missing_from_the_snapshot_are_named(build: Build) -> None:
    reader, transport, _, _ = build()
    reader.read({"local-l1": [ALICE]})
    transport.dead.update(L1_URLS)
    (l1,) = reader.read({"local-l1": [ALICE, BOB]})
    assert (l1.status, [h.owner for h in l1.holdings], l1.missing_owners) == ("stale", [ALICE], (BOB,))


def test_a_chain_that_does_not_answer_and_has_no_snapshot_is_unavailable(build: Build) -> None:
    reader, transport, snapshots, _ = build()
    transport.dead.update(L1_URLS)
    (l1,) = reader.read({"local-l1": [ALICE]})
    assert (l1.status, l1.holdings, l1.block_number, l1.read_at, l1.age_s) == (
        "unavailable",
        (),
        None,
        None,
        None,
    )
    assert l1.missing_owners == (ALICE,)
    assert snapshots.of_owners({"local-l1": [ALICE]}) == {}


def test_a_failed_call_marks_its_entry_unreadable_and_spoils_nothing_else(build: Build) -> None:
    # Given DAI's balanceOf(Alice) reverting inside the batch
    failing = frozenset({DAI.encode() + function_call(DAI, "balanceOf", ["address"], [ALICE]).data})
    reader, _, _, _ = build(failing=failing)
    # When Alice's holdings are read
    (l1,) = reader.read({"local-l1": [ALICE]})
    # Then DAI is left out and named, the rest is read
    (alice,) = l1.holdings
    assert alice.unreadable == ("DAI",)
    assert [t.symbol for t in alice.tokens] == ["USDC"]
    assert l1.status == "fresh"


def test_a_bad_address_or_chain_fails_the_read_before_any_request(build: Build) -> None:
    reader, transport, _, _ = build()
    with pytest.raises(InvalidInput):
        reader.read({"local-l1": [ALICE], "local-l2": ["0x123"]})
    with pytest.raises(NotFound):
        reader.read({"ethereum": [ALICE]})
    with pytest.raises(InvalidInput):
        reader.read({"local-l1": []})
    assert transport.batches == []


_POSITION_TYPES = ["uint96", "address", "address", "address", "uint24", "int24", "int24", "uint128"]
_POSITION_TYPES += ["uint256", "uint256", "uint128", "uint128"]


def _key(target: str, name: str, types: list[str], args: list[object]) -> bytes:
    return target.lower().encode() + function_call(target, name, types, args).data


def _alice_provides_liquidity(
    transport: ScriptedTransport, manifest: DeploymentManifest
) -> list[PositionState]:
    """Alice holds positions 11 (with liquidity) and 12 (only fees left) in USDC/DAI 0.01 %, at tick 3."""
    npm = manifest.uniswap_v3.position_manager
    pool = pool_address(manifest.uniswap_v3.factory, USDC, DAI, 100)
    states = [
        PositionState(11, USDC, DAI, 100, -10, 10, 10**12, pool),
        PositionState(12, USDC, DAI, 100, 10, 20, 0, pool),
    ]
    transport.values[_key(npm, "balanceOf", ["address"], [ALICE])] = 2
    for index, state in enumerate(states):
        transport.values[_key(npm, "tokenOfOwnerByIndex", ["address", "uint256"], [ALICE, index])] = (
            state.token_id
        )
        answer = [
            0,
            placeholder("0"),
            USDC,
            DAI,
            100,
            state.tick_lower,
            state.tick_upper,
            state.liquidity,
            0,
            0,
            0,
            0,
        ]
        transport.values[_key(npm, "positions", ["uint256"], [state.token_id])] = encode(
            _POSITION_TYPES, answer
        )
    transport.values[_key(pool, "slot0", [], [])] = encode(["uint160", "int24"], [2**96, 3])
    return states


def test_an_owner_with_positions_costs_three_more_batches_pinned_to_the_block_and_closed_as_the_owner(
    build: Build,
) -> None:
    # Given Alice holding two positions, whose closing (from Alice) returns principal, then principal + fees
    reader, transport, _, _ = build()
    states = _alice_provides_liquidity(transport, Manifests().by_chain["local-l1"])
    npm = Manifests().by_chain["local-l1"].uniswap_v3.position_manager
    pairs = [(1_500_000, 2 * 10**18), (1_600_000, 2 * 10**18 + 5 * 10**15), (0, 7 * 10**15)]
    closing = encode(["bytes[]"], [[encode(["uint256", "uint256"], list(pair)) for pair in pairs]])
    transport.closings[ALICE.encode() + closing_calldata(ALICE, states)] = closing
    # When Alice's and Bob's holdings are read
    (l1,) = reader.read({"local-l1": [ALICE, BOB]})
    # Then four batches went out: the holdings at latest, then token ids, positions, and closings at its block
    assert len(transport.batches) == 4
    assert [r["params"][1] for _, batch in transport.batches for r in batch] == ["latest"] + [hex(BLOCK)] * 4
    closings = [r["params"][0] for r in transport.batches[-1][1] if "from" in r["params"][0]]
    assert [(call["from"], call["to"]) for call in closings] == [(ALICE, npm)]
    # And Alice's positions are what closing them returns, the fees on top of the principal
    alice, bob = l1.holdings
    first, second = alice.liquidity
    assert (first.position_id, first.in_range, first.token0.amount, first.token0.fees) == (
        "uniswap-v3:11",
        True,
        "1.5",
        "0.1",
    )
    assert (first.token1.symbol, first.token1.amount, first.token1.fees) == ("DAI", "2", "0.005")
    assert (second.position_id, second.in_range, second.token1.amount, second.token1.fees) == (
        "uniswap-v3:12",
        False,
        "0",
        "0.007",
    )
    assert (alice.unreadable, bob.liquidity, l1.status) == ((), (), "fresh")


def test_a_closing_that_reverts_leaves_the_owners_positions_unreadable_and_the_rest_fresh(
    build: Build,
) -> None:
    # Given Alice's closing reverting (say a token refuses to transfer to her)
    reader, transport, _, _ = build()
    states = _alice_provides_liquidity(transport, Manifests().by_chain["local-l1"])
    transport.closings[ALICE.encode() + closing_calldata(ALICE, states)] = None
    # When her holdings are read
    (l1,) = reader.read({"local-l1": [ALICE]})
    # Then the positions are named unreadable, and everything else was read from the one URL that answered
    (alice,) = l1.holdings
    assert (alice.liquidity, alice.unreadable) == ((), ("uniswap-v3:11", "uniswap-v3:12"))
    assert (l1.status, _by_owner(l1, ALICE)["USDC"]) == ("fresh", "1.5")
    assert {url for url, _ in transport.batches} == {L1_URLS[0]}
