"""Holdings read from the local chains with Multicall3: exact balances, one eth_call per chain, snapshots."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from web3 import HTTPProvider, Web3

from localcloud import LocalCloud
from localcloud.market import artifacts, fund
from tests.support.rpc import CloudManifests, RecordingTransport
from tradewind.chains.batch import HttpxTransport
from tradewind.chains.registry import ChainRegistry
from tradewind.holdings import ChainHoldings, InMemorySnapshotSource
from tradewind.holdings.reader import HoldingsReader
from tradewind.holdings.settings import HoldingsSettings

pytestmark = pytest.mark.integration

# anvil's unlocked test accounts 3, 4 and 5 (the same on both chains): the test signs as them without keys.
OWNER_A = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
OWNER_B = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"
OWNER_C = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc"
SYMBOLS = ["WETH", "USDC", "DAI", "LINK"]
DEPOSIT_USDC = 123_456_789  # 123.456789 USDC into twyUSDC


def _url(cloud: LocalCloud, chain_key: str) -> str:
    return next(chain.rpc_url for chain in cloud.chains if chain.key == chain_key)


def _closed_port_url() -> str:
    """An URL nothing listens on: a port the OS handed out, then closed."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def funded(local_cloud: LocalCloud) -> None:
    """Two owners funded on local-l1, one on local-l2; owner A deposits USDC into twyUSDC on local-l1."""
    accounts = Web3(HTTPProvider(_url(local_cloud, "local-l2"))).eth.accounts
    assert list(accounts[3:6]) == [OWNER_A, OWNER_B, OWNER_C]
    for chain_key, owners in (("local-l1", [OWNER_A, OWNER_B]), ("local-l2", [OWNER_C])):
        for owner in owners:
            fund(_url(local_cloud, chain_key), local_cloud.manifest(chain_key), owner, Decimal(250), SYMBOLS)
    manifest = local_cloud.manifest("local-l1")
    w3 = Web3(HTTPProvider(_url(local_cloud, "local-l1")))
    usdc = w3.eth.contract(
        address=Web3.to_checksum_address(manifest.token("USDC").address), abi=_abi("TestToken")
    )
    vault = w3.eth.contract(
        address=Web3.to_checksum_address(manifest.vault("twyUSDC").address), abi=_abi("YieldVault")
    )
    for step in (
        usdc.functions.approve(vault.address, DEPOSIT_USDC),
        vault.functions.deposit(DEPOSIT_USDC, OWNER_A),
    ):
        receipt = w3.eth.wait_for_transaction_receipt(step.transact({"from": OWNER_A}))
        assert receipt["status"] == 1


def _abi(name: str) -> Any:
    return artifacts.market(name).abi


@pytest.fixture
def snapshots() -> InMemorySnapshotSource:
    return InMemorySnapshotSource()


@pytest.fixture
def transport() -> Iterator[RecordingTransport]:
    inner = HttpxTransport(timeout_s=3.0)
    yield RecordingTransport(inner)
    inner.close()


def _reader(
    cloud: LocalCloud, snapshots: InMemorySnapshotSource, transport: RecordingTransport, urls: dict[str, str]
) -> HoldingsReader:
    chains = ChainRegistry.select(list(urls), {key: [url] for key, url in urls.items()})
    return HoldingsReader(
        chains, CloudManifests(cloud), snapshots, settings=HoldingsSettings(), transport=transport
    )


def _assert_matches_the_chain(cloud: LocalCloud, holdings: ChainHoldings) -> None:
    """Every balance equals what the chain answers to the individual call."""
    manifest = cloud.manifest(holdings.chain)
    w3 = Web3(HTTPProvider(_url(cloud, holdings.chain)))
    assert holdings.block_number == w3.eth.block_number
    for entry in holdings.holdings:
        assert entry.native is not None
        assert entry.native.raw == w3.eth.get_balance(Web3.to_checksum_address(entry.owner))
        assert [t.symbol for t in entry.tokens] == [t.symbol for t in manifest.tokens]
        for token in entry.tokens:
            assert token.address is not None
            contract = w3.eth.contract(address=Web3.to_checksum_address(token.address), abi=_abi("TestToken"))
            assert token.raw == contract.functions.balanceOf(entry.owner).call(), token.symbol
        for position in entry.vaults:
            vault = w3.eth.contract(
                address=Web3.to_checksum_address(position.address), abi=_abi("YieldVault")
            )
            assert position.shares_raw == vault.functions.balanceOf(entry.owner).call()
            assert position.underlying_raw == vault.functions.convertToAssets(position.shares_raw).call()


def test_holdings_of_three_owners_on_two_chains_are_exact_with_one_eth_call_per_chain(
    local_cloud: LocalCloud, funded: None, snapshots: InMemorySnapshotSource, transport: RecordingTransport
) -> None:
    # Given the funded owners and a reader of both chains
    urls = {key: _url(local_cloud, key) for key in ("local-l1", "local-l2")}
    reader = _reader(local_cloud, snapshots, transport, urls)
    # When their holdings are read
    began = time.perf_counter()
    l1, l2 = reader.read({"local-l1": [OWNER_A, OWNER_B], "local-l2": [OWNER_C]})
    elapsed = time.perf_counter() - began
    print(f"holdings read of 2 chains, 3 owners: {elapsed * 1000:.1f} ms")
    # Then both are fresh and equal, balance by balance, to what each contract answers alone
    assert (l1.status, l2.status) == ("fresh", "fresh")
    for holdings in (l1, l2):
        _assert_matches_the_chain(local_cloud, holdings)
    # And each chain took exactly one eth_call
    assert transport.eth_calls == {url: 1 for url in urls.values()}
    # And owner A holds the deposit as shares, worth the deposit less the vault's rounding down
    a = next(entry for entry in l1.holdings if entry.owner == OWNER_A)
    position = next(p for p in a.vaults if p.vault == "twyUSDC")
    assert position.shares_raw > 0
    assert position.underlying == "USDC"
    assert DEPOSIT_USDC - 1 <= position.underlying_raw <= DEPOSIT_USDC  # rounds down, never up
    # And funded tokens arrived
    b = next(entry for entry in l1.holdings if entry.owner == OWNER_B)
    assert all(t.raw > 0 for t in b.tokens if t.symbol in SYMBOLS)


def test_a_chain_at_a_dead_url_is_served_stale_from_the_previous_read(
    local_cloud: LocalCloud, funded: None, snapshots: InMemorySnapshotSource, transport: RecordingTransport
) -> None:
    # Given a fresh read of both chains
    urls = {key: _url(local_cloud, key) for key in ("local-l1", "local-l2")}
    owners = {"local-l1": [OWNER_A, OWNER_B], "local-l2": [OWNER_C]}
    before, _ = _reader(local_cloud, snapshots, transport, urls).read(owners)
    # When local-l1 is read at a closed port, with the same snapshots
    dead = _reader(local_cloud, snapshots, transport, urls | {"local-l1": _closed_port_url()})
    l1, l2 = dead.read(owners)
    # Then local-l1 is the previous read, marked stale with its age; local-l2 is fresh
    assert (l1.status, l1.stale, l1.holdings, l1.block_number) == (
        "stale",
        True,
        before.holdings,
        before.block_number,
    )
    assert l1.age_s is not None
    assert l1.age_s >= 0
    assert l1.error is not None
    assert (l2.status, l2.stale) == ("fresh", False)
    _assert_matches_the_chain(local_cloud, l2)
