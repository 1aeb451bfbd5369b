"""The market simulator on fresh anvil chains: seeded random-walk swaps that move, stay near and repeat."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from web3 import HTTPProvider, Web3

from localcloud.chains import AnvilNode, ChainSpec, default_anvil_path
from localcloud.market import artifacts, deploy_market
from localcloud.market.catalog import MAJOR_POOLS, token_spec
from localcloud.market.pricing import price_from_sqrt_x96
from localcloud.market.simulator import STOP_TIMEOUT_S, MarketSimulator, Swap
from localcloud.ports import pick_free
from tradewind.deployments.manifest import DeploymentManifest

pytestmark = pytest.mark.integration

HOST = "127.0.0.1"
# Both chains carry the same key: the simulator draws one stream per chain key, so two fresh chains
# with the same key and seed must walk identically.
CHAIN_KEY = "local-l1"
SEED = 7
STEPS = 50
# The walk reverts to the catalog price; after 50 steps every pool must be well inside this band.
BAND = Decimal("0.20")


@dataclass(frozen=True)
class Chain:
    """One fresh chain with its market."""

    w3: Web3
    rpc_url: str
    manifest: DeploymentManifest


@dataclass(frozen=True)
class Walk:
    """What ``STEPS`` seeded steps did on one chain: the swaps, each pool's sqrt price before and after."""

    swaps: list[Swap]
    before: dict[str, int]
    after: dict[str, int]
    elapsed_s: float


@pytest.fixture(scope="module")
def chains() -> Iterator[list[Chain]]:
    """Two anvil nodes, each with the market deployed under the same chain key; stopped at the end."""
    started: list[AnvilNode] = []
    try:
        deployed: list[Chain] = []
        for chain_id in (31337, 31338):
            spec = ChainSpec(key=CHAIN_KEY, name="Sim", chain_id=chain_id, port=pick_free(HOST))
            node = AnvilNode(spec, HOST, default_anvil_path())
            started.append(node)
            node.start()
            rpc_url = node.chain.rpc_url
            w3 = Web3(HTTPProvider(rpc_url))
            manifest = deploy_market(rpc_url, CHAIN_KEY, vault_operator=list(w3.eth.accounts)[2])
            deployed.append(Chain(w3, rpc_url, manifest))
        yield deployed
    finally:
        for node in started:
            node.stop()


@pytest.fixture(scope="module")
def walks(chains: list[Chain]) -> list[Walk]:
    """``STEPS`` steps with ``SEED`` on each fresh chain, before any other test touches the pools."""
    walks: list[Walk] = []
    for chain in chains:
        simulator = MarketSimulator([(chain.rpc_url, chain.manifest)], seed=SEED, interval_s=1.0)
        before = _sqrt_prices(chain)
        began = time.monotonic()
        swaps = [swap for _ in range(STEPS) for swap in simulator.step()]
        elapsed = time.monotonic() - began
        walks.append(Walk(swaps, before, _sqrt_prices(chain), elapsed))
    return walks


def test_steps_swap_once_per_tick_and_move_the_pool_prices(walks: list[Walk]) -> None:
    # Given 50 seeded steps on a fresh chain
    walk = walks[0]
    print(f"{STEPS} steps: {walk.elapsed_s:.2f} s")

    # Then every step made one swap, the walk visited every major pool, and every visited pool's slot0 moved
    assert len(walk.swaps) == STEPS
    visited = {swap.pool for swap in walk.swaps}
    assert visited == {spec.name for spec in MAJOR_POOLS}
    assert all(walk.after[pool] != walk.before[pool] for pool in visited)
    # And the long-tail pools were left where the deployment priced them
    assert all(walk.after[pool] == walk.before[pool] for pool in set(walk.before) - visited)
    # Both directions occur: the walk buys and sells
    assert len({(swap.pool, swap.token_in) for swap in walk.swaps}) > len(visited)


def test_prices_stay_within_the_band_around_the_catalog(chains: list[Chain], walks: list[Walk]) -> None:
    # Given 50 seeded steps on a fresh chain
    manifest, walk = chains[0].manifest, walks[0]

    # Then every price seen along the way, and every pool's price at the end, is within 20 % of the catalog
    for swap in walk.swaps:
        assert abs(swap.price / _catalog_price(manifest, swap.pool) - 1) < BAND, swap
    for pool, sqrt_price in walk.after.items():
        assert abs(_price(manifest, pool, sqrt_price) / _catalog_price(manifest, pool) - 1) < BAND, pool


def test_the_same_seed_on_two_fresh_chains_gives_the_same_prices(walks: list[Walk]) -> None:
    # Given the same seed stepped 50 times on each of two fresh chains
    first, second = walks

    # Then both made the same swaps, saw the same prices and ended in the same pool states
    assert first.swaps == second.swaps
    assert first.after == second.after


def test_start_swaps_in_the_background_and_stop_ends_it_promptly(chains: list[Chain]) -> None:
    # Given a simulator ticking every 50 ms, started twice (the second start is a no-op)
    chain = chains[0]
    simulator = MarketSimulator([(chain.rpc_url, chain.manifest)], seed=SEED, interval_s=0.05)
    first_block = chain.w3.eth.block_number
    simulator.start()
    simulator.start()
    try:
        # When it has had time to swap a few times
        deadline = time.monotonic() + 10
        while chain.w3.eth.block_number < first_block + 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert simulator.running
        assert chain.w3.eth.block_number >= first_block + 5
    finally:
        # Then stop returns within its timeout, twice, and no block follows
        began = time.monotonic()
        simulator.stop()
        stop_s = time.monotonic() - began
        simulator.stop()
    print(f"stop: {stop_s * 1000:.0f} ms")
    assert stop_s < STOP_TIMEOUT_S
    assert not simulator.running
    stopped_at = chain.w3.eth.block_number
    time.sleep(0.3)
    assert chain.w3.eth.block_number == stopped_at


def test_a_failing_chain_is_logged_and_the_others_still_swap(
    chains: list[Chain], caplog: pytest.LogCaptureFixture
) -> None:
    # Given a simulator over a chain nobody answers and a working one
    chain = chains[0]
    dead = chain.manifest.model_copy(update={"chain_key": "dead"})
    dead_url = f"http://{HOST}:{pick_free(HOST)}"
    simulator = MarketSimulator([(dead_url, dead), (chain.rpc_url, chain.manifest)], seed=SEED)

    # When it steps twice
    with caplog.at_level(logging.WARNING, logger="localcloud.market.simulator"):
        swaps = [swap for _ in range(2) for swap in simulator.step()]

    # Then the working chain swapped each time and the dead one was logged each time
    assert [swap.chain_key for swap in swaps] == [CHAIN_KEY, CHAIN_KEY]
    failures = [record for record in caplog.records if "tick on dead failed" in record.getMessage()]
    assert len(failures) == 2


def test_rejects_a_non_positive_interval(chains: list[Chain]) -> None:
    chain = chains[0]
    with pytest.raises(ValueError, match="interval_s"):
        MarketSimulator([(chain.rpc_url, chain.manifest)], seed=SEED, interval_s=0)


def _sqrt_prices(chain: Chain) -> dict[str, int]:
    """Each pool's sqrtPriceX96, by pool name."""
    abi = artifacts.uniswap_v3_core("UniswapV3Pool").abi
    prices: dict[str, int] = {}
    for entry in chain.manifest.pools:
        pool = chain.w3.eth.contract(address=Web3.to_checksum_address(entry.address), abi=abi)
        prices[entry.name] = pool.functions.slot0().call()[0]
    return prices


def _price(manifest: DeploymentManifest, pool: str, sqrt_price: int) -> Decimal:
    """Token1 per token0 of ``pool`` in whole tokens."""
    entry = manifest.pool(pool)
    token0, token1 = token_spec(entry.token0), token_spec(entry.token1)
    return price_from_sqrt_x96(sqrt_price, token0.decimals, token1.decimals)


def _catalog_price(manifest: DeploymentManifest, pool: str) -> Decimal:
    """Token1 per token0 of ``pool`` at the catalog's USD prices."""
    entry = manifest.pool(pool)
    return token_spec(entry.token0).usd_price / token_spec(entry.token1).usd_price
