"""Token discovery on the local cloud: Transfer logs of local-l1, the cursor in the accounts table, and
the holdings reader returning the discovered token's exact balance."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from itertools import pairwise

import pytest
from web3 import HTTPProvider, Web3

from localcloud import LocalCloud
from localcloud.market import artifacts, fund
from tests.support.chain_contracts import deploy, transact, unlisted_token
from tests.support.rpc import CloudManifests, RecordingTransport
from tradewind.chains.batch import HttpxTransport
from tradewind.chains.registry import ChainRegistry
from tradewind.errors import Conflict
from tradewind.holdings import InMemorySnapshotSource
from tradewind.holdings.discovered import DynamoDiscoveryStore
from tradewind.holdings.discovery import TRANSFER_TOPIC, DiscoveredToken, DiscoveryState, TokenDiscovery
from tradewind.holdings.reader import HoldingsReader
from tradewind.holdings.settings import HoldingsSettings
from tradewind.storage.accounts_table import bind_accounts_table

pytestmark = pytest.mark.integration

CHAIN = "local-l1"
# Small ranges, so that even a young local chain (the market takes ~10 blocks) needs several to scan.
BLOCK_RANGE = 4
TRANSFERRED = 1_234_567_891_234  # 1.234567891234 of a 12-decimal token
DEPOSIT_USDC = 40_000_000  # 40 USDC into twyUSDC

# A contract that emits Transfer(msg.sender, to, amount) for calldata abi.encode(to, amount) and
# has no other code: no decimals(), symbol() or balanceOf(). Any call that is not a transaction
# reverts (a log in a static call), so it answers no ERC-20 probe. Runtime, 49 bytes:
#   PUSH1 32 CALLDATALOAD PUSH1 0 MSTORE      memory[0:32] = amount
#   PUSH1 0 CALLDATALOAD CALLER PUSH32 topic  topics: to, from, Transfer(address,address,uint256)
#   PUSH1 32 PUSH1 0 LOG3 STOP                the log, with the amount as its data
EMITTER_RUNTIME = "602035600052600035337f" + TRANSFER_TOPIC[2:] + "60206000a300"
# Init code: PUSH1 49 DUP1 PUSH1 11 PUSH1 0 CODECOPY PUSH1 0 RETURN, the runtime from offset 11.
EMITTER_BYTECODE = "0x603180600b6000396000f3" + EMITTER_RUNTIME


@pytest.fixture(scope="module")
def url(local_cloud: LocalCloud) -> str:
    return next(chain.rpc_url for chain in local_cloud.chains if chain.key == CHAIN)


@pytest.fixture(scope="module")
def w3(url: str) -> Web3:
    return Web3(HTTPProvider(url))


@pytest.fixture(scope="module")
def store(local_cloud: LocalCloud, api_environment: dict[str, str]) -> DynamoDiscoveryStore:
    """The DynamoDB store on the local cloud's accounts table (the API's environment names the emulator)."""
    bind_accounts_table(local_cloud.deployment.outputs["AccountsTableName"])
    return DynamoDiscoveryStore()


@pytest.fixture
def transport() -> Iterator[RecordingTransport]:
    inner = HttpxTransport(timeout_s=3.0)
    yield RecordingTransport(inner)
    inner.close()


def _chains(url: str) -> ChainRegistry:
    return ChainRegistry.select([CHAIN], {CHAIN: [url]})


def _discovery(
    cloud: LocalCloud, url: str, store: DynamoDiscoveryStore, transport: RecordingTransport
) -> TokenDiscovery:
    settings = HoldingsSettings(
        holdings_discovery_block_range=BLOCK_RANGE, holdings_discovery_ranges_per_batch=4
    )
    return TokenDiscovery(_chains(url), CloudManifests(cloud), store, settings=settings, transport=transport)


def _emit_transfer_shaped_log(w3: Web3, to: str, amount: int) -> str:
    """Deploy the emitter and have it log a Transfer to ``to``; the emitter's address."""
    emitter = deploy(w3, [], EMITTER_BYTECODE)
    data = bytes.fromhex(to.removeprefix("0x")).rjust(32, b"\0") + amount.to_bytes(32, "big")
    tx_hash = w3.eth.send_transaction({"from": w3.eth.accounts[0], "to": emitter.address, "data": data})
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash)
    assert receipt["status"] == 1
    # It is Transfer-shaped: the topics an ERC-20 Transfer to ``to`` has
    (log,) = receipt["logs"]
    assert "0x" + log["topics"][0].hex().removeprefix("0x") == TRANSFER_TOPIC
    assert log["topics"][2].hex().removeprefix("0x")[-40:] == to.lower()[2:]
    return emitter.address


def test_an_unlisted_token_is_discovered_and_the_reader_returns_its_exact_balance(
    local_cloud: LocalCloud, url: str, w3: Web3, store: DynamoDiscoveryStore, transport: RecordingTransport
) -> None:
    # Given a wallet holding listed tokens, vault shares, an unlisted 12-decimal token, and a
    # Transfer-shaped log from a contract that is no token
    owner = list(w3.eth.accounts)[7]
    manifest = local_cloud.manifest(CHAIN)
    fund(url, manifest, owner, Decimal(500), ["USDC", "WETH"])
    usdc = w3.eth.contract(
        address=Web3.to_checksum_address(manifest.token("USDC").address),
        abi=artifacts.market("TestToken").abi,
    )
    vault = w3.eth.contract(
        address=Web3.to_checksum_address(manifest.vault("twyUSDC").address),
        abi=artifacts.market("YieldVault").abi,
    )
    transact(w3, usdc.functions.approve(vault.address, DEPOSIT_USDC), owner)
    transact(w3, vault.functions.deposit(DEPOSIT_USDC, owner), owner)
    unlisted = unlisted_token(w3, "TWX", 12, owner, TRANSFERRED)
    _emit_transfer_shaped_log(w3, owner, 10**18)
    head = w3.eth.block_number

    # When the owner's tokens are discovered
    found = _discovery(local_cloud, url, store, transport).discover(CHAIN, owner)

    # Then only the unlisted token is found (listed tokens, vault shares and the emitter are not)
    assert found == [DiscoveredToken(address=unlisted.address, symbol="TWX", decimals=12)]
    # And the whole chain was scanned, in ranges of at most 4 blocks, and the cursor stored past it
    ranges = transport.log_ranges()
    assert ranges[0][0] == 0
    assert ranges[-1][1] == head
    assert all(last - first < BLOCK_RANGE for first, last in ranges)
    assert all(later[0] == earlier[1] + 1 for earlier, later in pairwise(ranges))
    state = store.state(CHAIN, owner)
    assert state is not None
    assert (state.next_block, state.tokens) == (head + 1, tuple(found))

    # When the reader reads the owner's holdings with the discovered tokens
    reader = HoldingsReader(
        _chains(url),
        CloudManifests(local_cloud),
        InMemorySnapshotSource(),
        settings=HoldingsSettings(),
        transport=transport,
        discovered=store,
    )
    transport.clear()
    (holdings,) = reader.read({CHAIN: [owner]})

    # Then, still in one eth_call, it holds the token under its address, with its exact balance
    assert transport.count("eth_call") == 1
    (entry,) = holdings.holdings
    balances = {token.symbol: token for token in entry.tokens}
    twx = balances[unlisted.address]
    assert twx.raw == unlisted.functions.balanceOf(owner).call() == TRANSFERRED
    assert (twx.address, twx.decimals, twx.amount) == (unlisted.address, 12, "1.234567891234")
    # And the listed tokens and vault shares are read as before
    assert [t.symbol for t in entry.tokens] == [t.symbol for t in manifest.tokens] + [unlisted.address]
    assert balances["USDC"].raw == usdc.functions.balanceOf(owner).call()
    (position,) = [p for p in entry.vaults if p.vault == "twyUSDC"]
    assert position.shares_raw == vault.functions.balanceOf(owner).call() > 0


def test_a_second_discovery_starts_from_the_cursor(
    local_cloud: LocalCloud, url: str, w3: Web3, store: DynamoDiscoveryStore, transport: RecordingTransport
) -> None:
    # Given an owner discovered once, with one unlisted token
    owner = Web3.to_checksum_address("0x" + "5e" * 20)
    first = unlisted_token(w3, "ONE", 18, owner, 10**18)
    discovery = _discovery(local_cloud, url, store, transport)
    assert [t.address for t in discovery.discover(CHAIN, owner)] == [first.address]
    scanned_to = w3.eth.block_number
    first_ranges = len(transport.log_ranges())

    # When a second token arrives and discovery runs again
    second = unlisted_token(w3, "TWO", 6, owner, 5 * 10**6)
    transport.clear()
    found = discovery.discover(CHAIN, owner)

    # Then it asked for the new blocks only, in one range, and found only the new token
    assert first_ranges > 1
    assert transport.log_ranges() == [(scanned_to + 1, w3.eth.block_number)]
    assert found == [DiscoveredToken(address=second.address, symbol="TWO", decimals=6)]
    state = store.state(CHAIN, owner)
    assert state is not None
    assert [t.address for t in state.tokens] == [first.address, second.address]
    assert state.next_block == w3.eth.block_number + 1


def test_a_contract_emitting_transfer_shaped_logs_without_erc20_metadata_is_ignored(
    local_cloud: LocalCloud, url: str, w3: Web3, store: DynamoDiscoveryStore, transport: RecordingTransport
) -> None:
    # Given an owner whose only incoming Transfer log comes from the emitter, whose code is the
    # hand-assembled runtime and nothing else
    owner = Web3.to_checksum_address("0x" + "6f" * 20)
    emitter = _emit_transfer_shaped_log(w3, owner, 10**18)
    assert w3.eth.get_code(Web3.to_checksum_address(emitter)).hex().removeprefix("0x") == EMITTER_RUNTIME

    # When discovery runs
    found = _discovery(local_cloud, url, store, transport).discover(CHAIN, owner)

    # Then the node did report the log, the emitter was probed, and nothing was kept
    probes = [r for r in transport.requests if r["method"] == "eth_call"]
    assert len(probes) == 1
    assert emitter.lower()[2:] in probes[0]["params"][0]["data"]
    assert found == []
    state = store.state(CHAIN, owner)
    assert state is not None
    assert (state.tokens, state.next_block) == ((), w3.eth.block_number + 1)


def test_the_store_saves_only_from_the_cursor_it_read_and_lists_tokens_once_per_owner_set(
    store: DynamoDiscoveryStore,
) -> None:
    # Given two owners who discovered the same token
    token = DiscoveredToken(address=Web3.to_checksum_address("0x" + "7a" * 20), symbol="SAME", decimals=8)
    owners = [Web3.to_checksum_address("0x" + digits * 20) for digits in ("71", "72")]
    at = datetime.now(UTC)
    for owner in owners:
        store.save(
            DiscoveryState(chain=CHAIN, owner=owner, next_block=10, tokens=(token,), scanned_at=at), None
        )
    # When a run that read no state (or an older cursor) saves, it is refused
    later = DiscoveryState(chain=CHAIN, owner=owners[0], next_block=20, tokens=(), scanned_at=at)
    with pytest.raises(Conflict):
        store.save(later, None)
    with pytest.raises(Conflict):
        store.save(later, 5)
    # Then a save from the stored cursor lands, and both owners' tokens list the shared token once
    store.save(later.model_copy(update={"tokens": (token,)}), 10)
    assert store.state(CHAIN, owners[0]) == later.model_copy(update={"tokens": (token,)})
    assert store.tokens(CHAIN, [*owners, owners[0]]) == [token]
    assert store.tokens(CHAIN, [Web3.to_checksum_address("0x" + "73" * 20)]) == []
