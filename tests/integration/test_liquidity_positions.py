"""Uniswap V3 positions on the local chains: read exactly, in a fixed number of round trips, and valued.

A wallet mints an in-range and an out-of-range WETH/USDC position through the real position
manager, another account trades through the pool both ways, and the holdings reader's amounts and
fees are checked against what closing the positions for real returns.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from web3 import HTTPProvider, Web3
from web3.logs import DISCARD
from web3.types import RPCEndpoint

from localcloud import LocalCloud
from localcloud.market import MintedPosition, artifacts, fund, mint_position, swap
from tests.support.rpc import CloudManifests, RecordingTransport
from tests.support.sessions import bearer, register_and_login
from tradewind.chains.batch import HttpxTransport
from tradewind.chains.registry import ChainRegistry
from tradewind.holdings import ChainHoldings, InMemorySnapshotSource, LiquidityPosition
from tradewind.holdings.reader import HoldingsReader
from tradewind.holdings.settings import HoldingsSettings

pytestmark = pytest.mark.integration

POOL = "WETH/USDC"
MAX_UINT128 = 2**128 - 1
MAX_UINT256 = 2**256 - 1


@dataclass(frozen=True)
class Provided:
    """Who holds which positions on local-l1."""

    owner: str
    trader: str
    in_range: MintedPosition
    out_of_range: MintedPosition


def _url(cloud: LocalCloud, chain_key: str) -> str:
    return next(chain.rpc_url for chain in cloud.chains if chain.key == chain_key)


@pytest.fixture(scope="module")
def provided(local_cloud: LocalCloud) -> Provided:
    """Anvil account 7 mints two positions; account 8 swaps 40,000 USDC in, then 12 WETH, through the pool."""
    url, manifest = _url(local_cloud, "local-l1"), local_cloud.manifest("local-l1")
    accounts = list(Web3(HTTPProvider(url)).eth.accounts)
    owner, trader = accounts[7], accounts[8]
    fund(url, manifest, owner, Decimal(20_000), ["WETH", "USDC"])
    fund(url, manifest, trader, Decimal(100_000), ["WETH", "USDC"])
    desired = {"WETH": 3 * 10**18, "USDC": 9_000 * 10**6}
    # +-100 spacings (~10 %) straddle the price; 200-300 spacings above it are out of the swaps' reach.
    in_range = mint_position(url, manifest, owner, POOL, desired=desired, spacings=(-100, 100))
    out_of_range = mint_position(url, manifest, owner, POOL, desired=desired, spacings=(200, 300))
    swap(url, manifest, trader, POOL, sell="USDC", amount=40_000 * 10**6)
    swap(url, manifest, trader, POOL, sell="WETH", amount=12 * 10**18)
    return Provided(owner=owner, trader=trader, in_range=in_range, out_of_range=out_of_range)


@pytest.fixture
def transport() -> Iterator[RecordingTransport]:
    inner = HttpxTransport(timeout_s=3.0)
    yield RecordingTransport(inner)
    inner.close()


def _read(
    cloud: LocalCloud, transport: RecordingTransport, owners: dict[str, list[str]]
) -> list[ChainHoldings]:
    urls = {key: [_url(cloud, key)] for key in owners}
    reader = HoldingsReader(
        ChainRegistry.select(list(owners), urls),
        CloudManifests(cloud),
        InMemorySnapshotSource(),
        settings=HoldingsSettings(),
        transport=transport,
    )
    return reader.read(owners)


@contextmanager
def _undone(w3: Web3) -> Iterator[None]:
    """Whatever is sent inside is undone afterwards (anvil's snapshot and revert)."""
    snapshot = w3.provider.make_request(RPCEndpoint("evm_snapshot"), [])["result"]
    try:
        yield
    finally:
        assert w3.provider.make_request(RPCEndpoint("evm_revert"), [snapshot])["result"] is True


def _close_for_real(
    w3: Web3, manager: Any, owner: str, position: LiquidityPosition
) -> tuple[list[int], list[int]]:
    """Decrease all the position's liquidity and collect everything: the amounts each transaction moved."""
    decreased = [0, 0]
    if position.liquidity:
        decrease = (position.token_id, position.liquidity, 0, 0, MAX_UINT256)
        receipt = w3.eth.wait_for_transaction_receipt(
            manager.functions.decreaseLiquidity(decrease).transact({"from": owner})
        )
        (event,) = manager.events.DecreaseLiquidity().process_receipt(receipt, errors=DISCARD)
        decreased = [event["args"]["amount0"], event["args"]["amount1"]]
    collect = (position.token_id, owner, MAX_UINT128, MAX_UINT128)
    receipt = w3.eth.wait_for_transaction_receipt(
        manager.functions.collect(collect).transact({"from": owner})
    )
    (event,) = manager.events.Collect().process_receipt(receipt, errors=DISCARD)
    return decreased, [event["args"]["amount0"], event["args"]["amount1"]]


def test_positions_are_what_closing_them_returns_read_in_four_round_trips(
    local_cloud: LocalCloud, provided: Provided, transport: RecordingTransport
) -> None:
    # Given the owner's two positions after trades both ways, a trader without positions, and local-l2
    owners = {"local-l1": [provided.owner, provided.trader], "local-l2": [provided.owner]}
    # When their holdings are read on both chains
    l1, l2 = _read(local_cloud, transport, owners)
    # Then local-l1 took the holdings' round trip and three more for the positions; local-l2, without any, one
    assert transport.posts == {_url(local_cloud, "local-l1"): 4, _url(local_cloud, "local-l2"): 1}
    # (holdings + token ids + positions + one aggregate3 of pool and tokens and one closing for the owner)
    assert transport.eth_calls == {_url(local_cloud, "local-l1"): 5, _url(local_cloud, "local-l2"): 1}
    owner, trader = l1.holdings
    assert (trader.liquidity, l2.holdings[0].liquidity, owner.unreadable) == ((), (), ())
    in_range, out_of_range = owner.liquidity
    assert (in_range.token_id, out_of_range.token_id) == (
        provided.in_range.token_id,
        provided.out_of_range.token_id,
    )
    # And the ranges are as minted, and in range means the pool's tick is inside
    url, manifest = _url(local_cloud, "local-l1"), local_cloud.manifest("local-l1")
    w3 = Web3(HTTPProvider(url))
    pool = w3.eth.contract(
        address=Web3.to_checksum_address(manifest.pool(POOL).address),
        abi=artifacts.uniswap_v3_core("UniswapV3Pool").abi,
    )
    tick = pool.functions.slot0().call()[1]
    assert (in_range.tick, in_range.in_range, out_of_range.in_range) == (tick, True, False)
    assert (in_range.tick_lower, in_range.tick_upper) == (
        provided.in_range.tick_lower,
        provided.in_range.tick_upper,
    )
    assert in_range.pool == manifest.pool(POOL).address
    # And the in-range position earned fees in both tokens, the out-of-range one none and holds one token only
    assert in_range.token0.fees_raw > 0
    assert in_range.token1.fees_raw > 0
    assert (out_of_range.token0.fees_raw, out_of_range.token1.fees_raw) == (0, 0)
    assert 0 in (out_of_range.token0.amount_raw, out_of_range.token1.amount_raw)
    # And closing each for real moves exactly what was read: the liquidity's worth, then that plus the fees
    manager = w3.eth.contract(
        address=Web3.to_checksum_address(manifest.uniswap_v3.position_manager),
        abi=artifacts.uniswap_v3_periphery("NonfungiblePositionManager", "NonfungiblePositionManager").abi,
    )
    with _undone(w3):
        for position in owner.liquidity:
            decreased, collected = _close_for_real(w3, manager, provided.owner, position)
            assert decreased == [position.token0.amount_raw, position.token1.amount_raw]
            assert collected == [
                position.token0.amount_raw + position.token0.fees_raw,
                position.token1.amount_raw + position.token1.fees_raw,
            ]


def test_a_position_whose_liquidity_was_removed_still_shows_what_is_owed(
    local_cloud: LocalCloud, provided: Provided, transport: RecordingTransport
) -> None:
    # Given the in-range position's liquidity removed but nothing collected yet (undone afterwards)
    url, manifest = _url(local_cloud, "local-l1"), local_cloud.manifest("local-l1")
    w3 = Web3(HTTPProvider(url))
    (before,) = _read(local_cloud, transport, {"local-l1": [provided.owner]})
    owed = next(p for p in before.holdings[0].liquidity if p.token_id == provided.in_range.token_id)
    manager = w3.eth.contract(
        address=Web3.to_checksum_address(manifest.uniswap_v3.position_manager),
        abi=artifacts.uniswap_v3_periphery("NonfungiblePositionManager", "NonfungiblePositionManager").abi,
    )
    with _undone(w3):
        decrease = (owed.token_id, owed.liquidity, 0, 0, MAX_UINT256)
        manager.functions.decreaseLiquidity(decrease).transact({"from": provided.owner})
        # When the holdings are read
        (after,) = _read(local_cloud, transport, {"local-l1": [provided.owner]})
    # Then the position has no liquidity and no amount, and everything it held is owed (collect only)
    emptied = next(p for p in after.holdings[0].liquidity if p.token_id == owed.token_id)
    assert (emptied.liquidity, emptied.token0.amount_raw, emptied.token1.amount_raw) == (0, 0, 0)
    assert emptied.token0.fees_raw == owed.token0.amount_raw + owed.token0.fees_raw
    assert emptied.token1.fees_raw == owed.token1.amount_raw + owed.token1.fees_raw


def test_the_portfolio_values_each_token_of_a_position_with_its_fees(
    local_cloud: LocalCloud, provided: Provided, client: TestClient, transport: RecordingTransport
) -> None:
    # Given a user watching the liquidity provider's wallet on local-l1
    session = bearer(register_and_login(client, "liquidity@example.com"))
    watched = client.post(
        "/v1/wallets", json={"chain": "local-l1", "address": provided.owner, "label": "lp"}, headers=session
    )
    assert watched.status_code == 201, watched.text
    # When they ask for their portfolio
    response = client.get("/v1/portfolio", headers=session)
    # Then each token of each position is a liquidity row: what closing returns, valued at the token's price
    assert response.status_code == 200, response.text
    body = response.json()
    (chain,) = _read(local_cloud, transport, {"local-l1": [provided.owner]})
    expected = {
        (position.position_id, token.symbol): (
            Decimal(token.amount) + Decimal(token.fees),
            Decimal(token.fees),
        )
        for position in chain.holdings[0].liquidity
        for token in (position.token0, position.token1)
        if token.amount_raw or token.fees_raw
    }
    rows = [p for p in body["positions"] if p["kind"] == "liquidity"]
    assert {
        (p["position_id"], p["symbol"]): (Decimal(p["amount"]), Decimal(p["fees"])) for p in rows
    } == expected
    for row in rows:
        price = Decimal(body["by_token"][row["symbol"]]["price_usd"])
        assert Decimal(row["usd"]) == (Decimal(row["amount"]) * price).quantize(Decimal("0.01"))
        assert Decimal(row["fees_usd"]) == (Decimal(row["fees"]) * price).quantize(Decimal("0.01"))
    # And the totals per kind add up to the total, liquidity being the sum of those rows
    assert Decimal(body["by_kind"]["liquidity"]) == sum(Decimal(p["usd"]) for p in rows)
    assert sum(Decimal(v) for v in body["by_kind"].values()) == Decimal(body["total_usd"])
    assert set(body["by_kind"]) == {"native", "token", "yield_vault", "liquidity"}
