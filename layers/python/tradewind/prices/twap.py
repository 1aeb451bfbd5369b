"""On-chain USD prices from Uniswap V3 pools of a chain's manifest, averaged over a window (TWAP).

A symbol is priced by a pool against USDC, or through a hub (WETH, DAI) whose pool against USDC
prices the hub. USDC is the anchor: 1 USD by definition. Imports web3: not for the API's path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol

from web3 import Web3
from web3.exceptions import BadFunctionCallOutput, ContractLogicError, Web3RPCError

from tradewind.deployments.manifest import DeploymentManifest, PoolEntry
from tradewind.errors import DependencyUnavailable
from tradewind.prices.models import Price
from tradewind.prices.ticks import mean_tick, price_of

USD_ANCHOR = "USDC"
# Tried in order when a symbol has no pool against the anchor; each must have one itself.
HUBS: tuple[str, ...] = ("WETH", "DAI")
ALIASES: Mapping[str, str] = {"ETH": "WETH"}

_POOL_ABI: list[dict[str, Any]] = [
    {
        "name": "observe",
        "type": "function",
        "stateMutability": "view",
        "inputs": [{"name": "secondsAgos", "type": "uint32[]"}],
        "outputs": [
            {"name": "tickCumulatives", "type": "int56[]"},
            {"name": "secondsPerLiquidityCumulativeX128s", "type": "uint160[]"},
        ],
    },
    {
        "name": "slot0",
        "type": "function",
        "stateMutability": "view",
        "inputs": [],
        "outputs": [
            {"name": "sqrtPriceX96", "type": "uint160"},
            {"name": "tick", "type": "int24"},
            {"name": "observationIndex", "type": "uint16"},
            {"name": "observationCardinality", "type": "uint16"},
            {"name": "observationCardinalityNext", "type": "uint16"},
            {"name": "feeProtocol", "type": "uint8"},
            {"name": "unlocked", "type": "bool"},
        ],
    },
]


@dataclass(frozen=True)
class TickReading:
    """A pool's tick: averaged over the window, or the spot tick when the window cannot be served."""

    tick: int
    averaged: bool
    note: str


class PoolTicks(Protocol):
    """Reads a pool's tick; the web3 implementation is below, tests may supply their own."""

    def tick(self, pool_address: str, window_s: int) -> TickReading:
        """The mean tick over the last ``window_s`` seconds, or the spot tick with a note why."""
        ...


class Web3PoolTicks:
    """PoolTicks over web3 ``eth_call``s; sends nothing."""

    def __init__(self, w3: Web3, dependency: str) -> None:
        self._w3 = w3
        self._dependency = dependency

    def tick(self, pool_address: str, window_s: int) -> TickReading:
        """``observe([window, 0])``; on a revert (too few observations: OLD) slot0's spot tick."""
        pool = self._w3.eth.contract(address=Web3.to_checksum_address(pool_address), abi=_POOL_ABI)
        try:
            try:
                cumulatives, _ = pool.functions.observe([window_s, 0]).call()
                average = mean_tick(cumulatives[0], cumulatives[1], window_s)
                return TickReading(average, averaged=True, note=f"{window_s}s TWAP")
            except ContractLogicError as e:
                # The pool's oldest observation is younger than the window (OLD): a pool keeps one
                # observation until someone grows its cardinality, so a recently touched pool cannot
                # average; the spot tick is the best it can say, and the note says so.
                reason = e.message or "reverted"
            slot0 = pool.functions.slot0().call()
        except (Web3RPCError, BadFunctionCallOutput, ContractLogicError) as e:
            raise DependencyUnavailable(
                f"pool {pool_address} could not be read: {e}", dependency=self._dependency
            ) from e
        note = f"spot tick, {window_s}s TWAP unavailable ({reason})"
        return TickReading(int(slot0[1]), averaged=False, note=note)


@dataclass(frozen=True)
class _Leg:
    """Price ``base`` in the pool's other token."""

    pool: PoolEntry
    base: str


class TwapSource:
    """PriceSource over one chain's Uniswap V3 pools."""

    name = "uniswap-v3-twap"

    def __init__(
        self,
        manifest: DeploymentManifest,
        ticks: PoolTicks,
        window_s: int,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._manifest = manifest
        self._decimals = {token.symbol: token.decimals for token in manifest.tokens}
        self._ticks = ticks
        self._window_s = window_s
        self._now = now

    def quote(self, symbols: Sequence[str]) -> dict[str, Price]:
        """Prices of the symbols with a pool route to USDC; each pool is read once per call."""
        readings: dict[str, TickReading] = {}
        prices: dict[str, Price] = {}
        for symbol in symbols:
            route = self.route(symbol)
            if route is not None:
                prices[symbol] = self._price(symbol, route, readings)
        return prices

    def route(self, symbol: str) -> list[_Leg] | None:
        """The pools that price ``symbol`` in USDC: none for USDC, one directly, two through a hub."""
        token = ALIASES.get(symbol, symbol)
        if token not in self._decimals:
            return None
        if token == USD_ANCHOR:
            return []
        direct = self._pool(token, USD_ANCHOR)
        if direct is not None:
            return [_Leg(direct, token)]
        for hub in HUBS:
            first, second = self._pool(token, hub), self._pool(hub, USD_ANCHOR)
            if first is not None and second is not None:
                return [_Leg(first, token), _Leg(second, hub)]
        return None

    def _pool(self, a: str, b: str) -> PoolEntry | None:
        # Several fee tiers may pair the same tokens: the manifest's first is used.
        return next((p for p in self._manifest.pools if {p.token0, p.token1} == {a, b}), None)

    def _price(self, symbol: str, route: list[_Leg], readings: dict[str, TickReading]) -> Price:
        usd = Decimal(1)
        notes: list[str] = []
        for leg in route:
            pool = leg.pool
            if pool.address not in readings:
                readings[pool.address] = self._ticks.tick(pool.address, self._window_s)
            reading = readings[pool.address]
            decimals0, decimals1 = self._decimals[pool.token0], self._decimals[pool.token1]
            usd *= price_of(reading.tick, decimals0, decimals1, base_is_token0=leg.base == pool.token0)
            notes.append(f"{pool.name} {reading.note}")
        detail = "; ".join(notes) if notes else f"{USD_ANCHOR} is the USD anchor"
        return Price(symbol=symbol, usd=usd, source=self.name, observed_at=self._now(), detail=detail)
