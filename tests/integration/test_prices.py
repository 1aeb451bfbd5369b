"""Prices on the local cloud: the TWAP source over local-l1's pools, the CoinGecko adapter against a
local server speaking its protocol, and the service cross-checking the two."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest
from pydantic import HttpUrl

from localcloud import LocalCloud
from localcloud.market.catalog import TOKENS, token_spec
from localcloud.ports import pick_free
from tests.support.coingecko_server import CoinGeckoServer, coingecko_server
from tradewind.chain.client import connect
from tradewind.chain.settings import RpcPoolSettings
from tradewind.chains.registry import KNOWN_CHAINS
from tradewind.errors import DependencyUnavailable
from tradewind.prices import PriceService
from tradewind.prices.coingecko import COINGECKO_IDS, CoinGeckoSource, coingecko_source
from tradewind.prices.settings import PriceSettings
from tradewind.prices.twap import USD_ANCHOR, TwapSource, Web3PoolTicks

pytestmark = pytest.mark.integration

API_KEY = "cg-test-key"
SYMBOLS = ("WETH", "WBTC", "LINK", "DAI", "USDC")


def _close(value: Decimal, expected: Decimal, bps: int) -> bool:
    return abs(value - expected) / expected * 10_000 <= bps


@pytest.fixture(scope="module")
def twap(local_cloud: LocalCloud) -> TwapSource:
    """The TWAP source over local-l1's manifest, through the project's RPC client."""
    local = next(chain for chain in local_cloud.chains if chain.key == "local-l1")
    known = next(chain for chain in KNOWN_CHAINS if chain.key == "local-l1")
    chain = known.model_copy(update={"rpc_urls": (HttpUrl(local.rpc_url),)})
    client = connect(chain, RpcPoolSettings(rpc_timeout_s=2, rpc_retries=1, rpc_backoff_s=0.05))
    return TwapSource(local_cloud.manifest("local-l1"), Web3PoolTicks(client.w3, "chain:local-l1"), 1800)


@pytest.fixture
def coingecko() -> Iterator[CoinGeckoServer]:
    """A local CoinGecko with the catalog's prices."""
    with coingecko_server(API_KEY) as server:
        server.prices = {COINGECKO_IDS[s]: token_spec(s).usd_price for s in SYMBOLS}
        yield server


@pytest.fixture
def adapter(coingecko: CoinGeckoServer) -> Iterator[CoinGeckoSource]:
    source = CoinGeckoSource(coingecko.base_url, lambda: API_KEY, timeout_s=2)
    yield source
    source.close()


@pytest.mark.parametrize("symbol", [spec.symbol for spec in TOKENS if spec.symbol != USD_ANCHOR])
def test_twap_prices_each_token_within_one_percent_of_the_market(twap: TwapSource, symbol: str) -> None:
    # When the symbol is quoted from the chain's pools
    price = twap.quote([symbol])[symbol]
    # Then it is within 1 % of the price the pools were seeded at
    assert _close(price.usd, token_spec(symbol).usd_price, bps=100), price
    # And, the pools being younger than the window (one observation), the spot tick stood in
    assert price.detail is not None
    assert "spot tick, 1800s TWAP unavailable" in price.detail


def test_twap_routes_link_through_weth(twap: TwapSource) -> None:
    price = twap.quote(["LINK"])["LINK"]
    assert price.detail is not None
    assert price.detail.startswith("LINK/WETH ")
    assert "; WETH/USDC " in price.detail


def test_coingecko_adapter_reads_simple_price(coingecko: CoinGeckoServer, adapter: CoinGeckoSource) -> None:
    # When the adapter quotes five symbols and one it has no id for
    prices = adapter.quote([*SYMBOLS, "PEPE", "ETH"])
    # Then each known symbol has the server's price and timestamp, in one request
    assert {s: p.usd for s, p in prices.items()} == {
        **{s: token_spec(s).usd_price for s in SYMBOLS},
        "ETH": Decimal(3000),
    }
    assert prices["WETH"].observed_at.timestamp() == coingecko.updated_at
    assert len(coingecko.requests) == 1
    assert coingecko.requests[0]["vs_currencies"] == ["usd"]


def test_coingecko_without_the_key_is_unavailable(coingecko: CoinGeckoServer) -> None:
    # Given an adapter sending the wrong plan's header
    source = CoinGeckoSource(coingecko.base_url, lambda: API_KEY, key_header="x-cg-demo-api-key")
    # Then the server's 401 becomes DependencyUnavailable
    with pytest.raises(DependencyUnavailable, match="refused the API key") as caught:
        source.quote(["WETH"])
    assert caught.value.dependency == "coingecko"
    source.close()


@pytest.mark.parametrize("status", [429, 500])
def test_coingecko_errors_are_unavailable(
    coingecko: CoinGeckoServer, adapter: CoinGeckoSource, status: int
) -> None:
    coingecko.fail_with = status
    with pytest.raises(DependencyUnavailable, match=f"answered {status}"):
        adapter.quote(["WETH"])


def test_coingecko_unreachable_is_unavailable() -> None:
    source = CoinGeckoSource(f"http://127.0.0.1:{pick_free('127.0.0.1')}/api/v3", None, timeout_s=1)
    with pytest.raises(DependencyUnavailable, match="did not answer"):
        source.quote(["WETH"])


def test_coingecko_source_from_settings(coingecko: CoinGeckoServer) -> None:
    assert coingecko_source(PriceSettings()) is None
    source = coingecko_source(
        PriceSettings(coingecko_base_url=coingecko.base_url, coingecko_key_header="x-cg-demo-api-key")
    )
    assert source is not None
    # No key secret configured: the request goes without a key, and this server wants one
    with pytest.raises(DependencyUnavailable):
        source.quote(["WETH"])
    source.close()


def test_service_flags_the_symbol_where_the_sources_disagree(
    twap: TwapSource, coingecko: CoinGeckoServer, adapter: CoinGeckoSource
) -> None:
    # Given CoinGecko 10 % above the chain for WETH, and at the seeded prices for the rest
    coingecko.prices[COINGECKO_IDS["WETH"]] = Decimal(3300)
    service = PriceService([twap, adapter], deviation_bps=200, ttl_s=30)
    # When the service prices everything
    prices = service.prices(SYMBOLS)
    # Then the chain gives every price, WETH is flagged with both values, and the rest are not
    assert all(price.source == "uniswap-v3-twap" for price in prices.values())
    weth = prices["WETH"]
    assert weth.flagged
    assert weth.detail is not None
    assert "coingecko says 3300" in weth.detail
    assert [s for s, p in prices.items() if p.flagged] == ["WETH"]
    # And a second call within the TTL is answered from the cache
    service.prices(SYMBOLS)
    assert len(coingecko.requests) == 1


def test_service_falls_back_to_coingecko_when_the_chain_fails(
    coingecko: CoinGeckoServer, adapter: CoinGeckoSource, local_cloud: LocalCloud
) -> None:
    # Given a TWAP source whose only RPC endpoint answers nothing
    dead = next(chain for chain in KNOWN_CHAINS if chain.key == "local-l1").model_copy(
        update={"rpc_urls": (HttpUrl(f"http://127.0.0.1:{pick_free('127.0.0.1')}"),)}
    )
    client = connect(dead, RpcPoolSettings(rpc_timeout_s=0.5, rpc_retries=0))
    broken = TwapSource(local_cloud.manifest("local-l1"), Web3PoolTicks(client.w3, "chain:local-l1"), 1800)
    # When WETH is priced
    price = PriceService([broken, adapter], deviation_bps=200, ttl_s=30).price("WETH")
    # Then CoinGecko answers, unchecked
    assert (price.source, price.usd, price.flagged) == ("coingecko", Decimal(3000), False)


def test_twap_averages_once_the_pools_last_observation_is_older_than_the_window(
    local_cloud: LocalCloud, twap: TwapSource
) -> None:
    # Given local-l1's clock moved an hour past the pools' last observation (undone afterwards)
    url = next(chain for chain in local_cloud.chains if chain.key == "local-l1").rpc_url
    snapshot = _rpc(url, "evm_snapshot")
    try:
        _rpc(url, "evm_increaseTime", 3600)
        _rpc(url, "evm_mine")
        # When the tokens are quoted
        prices = twap.quote(["WETH", "LINK"])
    finally:
        assert _rpc(url, "evm_revert", snapshot) is True
    # Then observe() served the window: the mean tick of a price that did not move is the spot price
    for symbol, price in prices.items():
        assert price.detail is not None
        assert "spot" not in price.detail
        assert "1800s TWAP" in price.detail
        assert _close(price.usd, token_spec(symbol).usd_price, bps=100), price


def _rpc(url: str, method: str, *params: object) -> object:
    body = httpx.post(url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).json()
    assert "error" not in body, body
    return body["result"]
