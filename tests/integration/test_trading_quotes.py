"""Quotes on local-l1 through the real QuoterV2, checked against real swaps through the SwapRouter.

Anvil account 8 holds WETH, WBTC and USDC and lets the router take them; every swap is undone
afterwards (anvil's snapshot and revert), and so is the funding when the module ends.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from web3 import HTTPProvider, Web3
from web3.contract import Contract
from web3.types import RPCEndpoint

from localcloud import LocalCloud
from localcloud.market import artifacts, fund
from localcloud.market.catalog import TOKENS
from tests.support.rpc import CloudManifests, RecordingTransport
from tradewind.chains.batch import HttpxTransport
from tradewind.chains.registry import Chain, ChainRegistry
from tradewind.deployments.manifest import DeploymentManifest
from tradewind.errors import NotFound
from tradewind.prices.models import Price
from tradewind.prices.service import PriceService
from tradewind.trading.models import TradeSide
from tradewind.trading.quote_models import Quote
from tradewind.trading.quotes import Quoter

pytestmark = pytest.mark.integration

MAX_UINT256 = 2**256 - 1
TRADED = ["WETH", "WBTC", "USDC"]


class CatalogPrices:
    """A price source quoting the USD prices the local market was seeded with."""

    name = "catalog"

    def quote(self, symbols: Sequence[str]) -> dict[str, Price]:
        usd = {token.symbol: token.usd_price for token in TOKENS}
        return {
            s: Price(symbol=s, usd=usd[s], source=self.name, observed_at=datetime.now(UTC))
            for s in symbols
            if s in usd
        }


@dataclass(frozen=True)
class Market:
    """local-l1 as the tests use it: its node, manifest, router and a trader holding tokens."""

    w3: Web3
    url: str
    manifest: DeploymentManifest
    router: Contract
    trader: str


@contextmanager
def _undone(w3: Web3) -> Iterator[None]:
    """Whatever is sent inside is undone afterwards (anvil's snapshot and revert)."""
    snapshot = w3.provider.make_request(RPCEndpoint("evm_snapshot"), [])["result"]
    try:
        yield
    finally:
        assert w3.provider.make_request(RPCEndpoint("evm_revert"), [snapshot])["result"] is True


@pytest.fixture(scope="module")
def market(local_cloud: LocalCloud) -> Iterator[Market]:
    """Anvil account 8 funded with $100,000 of each traded token, the router approved to take them."""
    url = next(chain.rpc_url for chain in local_cloud.chains if chain.key == "local-l1")
    manifest = local_cloud.manifest("local-l1")
    w3 = Web3(HTTPProvider(url, request_kwargs={"timeout": 10}))
    trader = list(w3.eth.accounts)[8]
    router = w3.eth.contract(
        address=Web3.to_checksum_address(manifest.uniswap_v3.swap_router),
        abi=artifacts.uniswap_v3_periphery("SwapRouter", "SwapRouter").abi,
    )
    with _undone(w3):
        fund(url, manifest, trader, Decimal(100_000), TRADED)
        for symbol in TRADED:
            _send(w3, _erc20(w3, manifest, symbol).functions.approve(router.address, MAX_UINT256), trader)
        yield Market(w3=w3, url=url, manifest=manifest, router=router, trader=trader)


@pytest.fixture
def transport() -> Iterator[RecordingTransport]:
    inner = HttpxTransport(timeout_s=5.0)
    yield RecordingTransport(inner)
    inner.close()


@pytest.fixture
def quoter(local_cloud: LocalCloud, transport: RecordingTransport) -> Quoter:
    prices = PriceService([CatalogPrices()], deviation_bps=100, ttl_s=60)
    return Quoter(CloudManifests(local_cloud), transport, prices)


@pytest.fixture
def chain(market: Market) -> Chain:
    return ChainRegistry.select(["local-l1"], {"local-l1": [market.url]}).get("local-l1")


def _erc20(w3: Web3, manifest: DeploymentManifest, symbol: str) -> Contract:
    return w3.eth.contract(
        address=Web3.to_checksum_address(manifest.token(symbol).address),
        abi=artifacts.market("TestToken").abi,
    )


def _send(w3: Web3, function: Any, sender: str) -> None:
    receipt = w3.eth.wait_for_transaction_receipt(function.transact({"from": sender}))
    assert receipt["status"] == 1


def _swapped(market: Market, quote: Quote, function: Any) -> tuple[int, int]:
    """What the trader spent of the quote's input and received of its output, by a real swap (undone)."""
    token_in = _erc20(market.w3, market.manifest, quote.token_in)
    token_out = _erc20(market.w3, market.manifest, quote.token_out)
    with _undone(market.w3):
        before = (
            token_in.functions.balanceOf(market.trader).call(),
            token_out.functions.balanceOf(market.trader).call(),
        )
        _send(market.w3, function, market.trader)
        after = (
            token_in.functions.balanceOf(market.trader).call(),
            token_out.functions.balanceOf(market.trader).call(),
        )
    return before[0] - after[0], after[1] - before[1]


def _path(hex_path: str) -> bytes:
    return bytes.fromhex(hex_path.removeprefix("0x"))


def test_weth_for_usdc_is_what_a_real_swap_returns_all_tiers_in_one_round_trip(
    market: Market, quoter: Quoter, chain: Chain, transport: RecordingTransport
) -> None:
    # Given local-l1, whose only WETH/USDC pool is at 0.05 %
    # When 2 WETH are quoted for USDC
    started = time.perf_counter()
    quote = quoter.quote(chain, "WETH", "USDC", Decimal(2), TradeSide.EXACT_IN)
    elapsed_ms = (time.perf_counter() - started) * 1000
    # Then every candidate went in one HTTP round trip, one eth_call each
    assert transport.posts == {market.url: 1}
    assert transport.eth_calls == {market.url: len(quote.candidates)}
    assert elapsed_ms < 2_000
    # And the 0.05 % pool was chosen; the tiers without a pool are "no route", not an error
    assert (quote.route.symbols, quote.route.fees) == (("WETH", "USDC"), (500,))
    missing = {c.route.fees: c.failure for c in quote.candidates if c.route.fees != (500,)}
    assert set(missing) == {(100,), (3000,), (10000,)}
    assert all(failure and "no listed pool WETH/USDC" in failure for failure in missing.values())
    # And it is exactly what selling 2 WETH through the SwapRouter at that fee returns
    params = (
        quote.token_in_address,
        quote.token_out_address,
        quote.route.fees[0],
        market.trader,
        MAX_UINT256,
        quote.amount_in,
        0,
        0,
    )
    spent, received = _swapped(market, quote, market.router.functions.exactInputSingle(params))
    assert (spent, received) == (2 * 10**18, quote.amount_out)
    # And its gas is QuoterV2's, its price impact small and positive (fee included) against the USD prices
    assert 50_000 < quote.gas_estimate < 300_000
    assert quote.price_impact_bps is not None
    assert 0 < quote.price_impact_bps < 100


def test_a_pair_without_a_pool_goes_through_a_hub_as_a_real_exact_input_swap_does(
    market: Market, quoter: Quoter, chain: Chain, transport: RecordingTransport
) -> None:
    # Given WBTC and LINK, which share no pool but each trade against WETH
    # When 0.1 WBTC is quoted for LINK
    quote = quoter.quote(chain, "WBTC", "LINK", Decimal("0.1"), TradeSide.EXACT_IN)
    # Then the route goes through WETH at the listed fees, in one round trip
    assert transport.posts == {market.url: 1}
    assert (quote.route.symbols, quote.route.fees) == (("WBTC", "WETH", "LINK"), (3000, 3000))
    assert len(quote.sqrt_prices_x96_after) == 2
    assert all(c.fill is None for c in quote.candidates if c.route.hops == 1)
    # And exactInput along its path returns exactly the quoted LINK
    params = (_path(quote.route.path), market.trader, MAX_UINT256, quote.amount_in, 0)
    spent, received = _swapped(market, quote, market.router.functions.exactInput(params))
    assert (spent, received) == (10**7, quote.amount_out)


@pytest.mark.parametrize("trade", [("USDC", "WETH", "1.5"), ("WBTC", "LINK", "250")])
def test_exact_out_takes_what_a_real_exact_output_swap_spends(
    market: Market, quoter: Quoter, chain: Chain, trade: tuple[str, str, str]
) -> None:
    # Given a fixed amount to buy: 1.5 WETH with USDC (one pool), 250 LINK with WBTC (through WETH)
    sell, buy, amount = trade
    # When the input it takes is quoted
    quote = quoter.quote(chain, sell, buy, Decimal(amount), TradeSide.EXACT_OUT)
    assert quote.amount_out_units == Decimal(amount)
    # Then the router's exact-output swap (single pool, or the reversed path) spends exactly that
    if quote.route.hops == 1:
        params: tuple[Any, ...] = (
            quote.token_in_address,
            quote.token_out_address,
            quote.route.fees[0],
            market.trader,
            MAX_UINT256,
            quote.amount_out,
            MAX_UINT256,
            0,
        )
        function = market.router.functions.exactOutputSingle(params)
    else:
        params = (_path(quote.route.reversed_path), market.trader, MAX_UINT256, quote.amount_out, MAX_UINT256)
        function = market.router.functions.exactOutput(params)
    spent, received = _swapped(market, quote, function)
    assert (spent, received) == (quote.amount_in, quote.amount_out)


def test_a_pair_no_pool_connects_is_not_found(
    market: Market, quoter: Quoter, chain: Chain, transport: RecordingTransport
) -> None:
    # Given LINK (paired with WETH only) and SNX (paired with USDC only): no direct pool, no common hub
    # When LINK is quoted for SNX
    with pytest.raises(NotFound) as caught:
        quoter.quote(chain, "LINK", "SNX", Decimal(10), TradeSide.EXACT_IN)
    # Then every direct tier reverted as "no route" in one round trip, and the error says so
    assert transport.posts == {market.url: 1}
    assert transport.eth_calls == {market.url: 4}
    assert caught.value.detail.startswith("no route from LINK to SNX on local-l1: LINK -100-> SNX: QuoterV2")
