"""A market simulator for the local chains: seeded random-walk swaps through the real Uniswap V3 pools.

Each tick also harvests into the yield vaults what their catalog APY accrued since the last harvest.
"""

from __future__ import annotations

import logging
import math
import random
import threading
from dataclasses import dataclass
from decimal import Decimal

from eth_typing import ChecksumAddress
from web3 import HTTPProvider, Web3
from web3.contract import Contract
from web3.exceptions import Web3Exception

from localcloud.errors import LocalCloudError
from localcloud.market import artifacts
from localcloud.market.catalog import MAJOR_POOLS, VAULTS, token_spec
from localcloud.market.funding import fund
from localcloud.market.pricing import Q96, price_from_sqrt_x96, units_worth
from localcloud.market.sender import Sender
from tradewind.deployments.manifest import DeploymentManifest, PoolEntry

logger = logging.getLogger(__name__)

MAX_UINT256 = 2**256 - 1
DEFAULT_INTERVAL_S = 5.0
DEFAULT_MAX_TRADE_USD = Decimal(50_000)
# Anvil's last test account: the demo and the tests use the first few, so the simulator's nonces
# and balances never get in their way.
SIMULATOR_ACCOUNT_INDEX = 9
# Enough of every token for hundreds of the largest trades, and a top-up when a side runs low; the
# deployer wraps its own ETH for WETH, so this stays well inside its 10,000 ETH.
FUNDING_USD = Decimal(1_000_000)
# How long stop() waits for a tick in flight; on anvil a tick takes tens of milliseconds.
STOP_TIMEOUT_S = 1.0
_RPC_TIMEOUT_S = 5
_FEE_DENOMINATOR = 1_000_000
# Swaps are valid for a while in block time, so a slow node does not turn every tick into a revert.
_DEADLINE_S = 600
_PEGGED_VOLATILITY = 0.1
_SECONDS_PER_YEAR = 365 * 24 * 3600


class MarketSimFailed(LocalCloudError):
    """A simulator tick could not be carried out on one chain."""


@dataclass(frozen=True)
class Swap:
    """One swap the simulator made: which pool, which way, how much, and the pool's price after it."""

    chain_key: str
    pool: str
    token_in: str
    amount_in: int
    price: Decimal  # token1 per token0 in whole tokens, read from slot0 after the swap


# The errors one chain's tick can raise: the node's (JSON-RPC, revert, timeout), the transport's
# (requests errors are OSErrors) and ours; a bug elsewhere still surfaces instead of being logged away.
_TICK_ERRORS = (LocalCloudError, Web3Exception, OSError)


class _ChainWalk:
    """The random walk on one chain: its own random stream, its simulator account and token approvals."""

    def __init__(
        self,
        rpc_url: str,
        manifest: DeploymentManifest,
        seed: int,
        *,
        max_trade_usd: Decimal,
        volatility: float,
        reversion: float,
    ) -> None:
        self.rpc_url = rpc_url
        self.manifest = manifest
        # One stream per chain, so the chains wander apart and a failed tick on one leaves the
        # other's sequence as the seed makes it. String seeds hash the same in every process.
        self.rng = random.Random(f"{seed}:{manifest.chain_key}")  # noqa: S311 - a simulation, not a secret
        self.max_trade_usd = max_trade_usd
        self.volatility = volatility
        self.reversion = reversion
        self.w3 = Web3(HTTPProvider(rpc_url, request_kwargs={"timeout": _RPC_TIMEOUT_S}))
        # The major pools only: they move every price that routes through WETH, while walking the
        # long tail too would spread 50 ticks over 25 pools and fund the account with every token.
        walked = {spec.name for spec in MAJOR_POOLS}
        self.pools = sorted((p for p in manifest.pools if p.name in walked), key=lambda pool: pool.name)
        self._sender: Sender | None = None
        self._token_abi = artifacts.market("TestToken").abi
        self._pool_abi = artifacts.uniswap_v3_core("UniswapV3Pool").abi
        router_abi = artifacts.uniswap_v3_periphery("SwapRouter", "SwapRouter").abi
        self.router = self.w3.eth.contract(
            address=Web3.to_checksum_address(manifest.uniswap_v3.swap_router), abi=router_abi
        )
        apys = {spec.symbol: spec.apy for spec in VAULTS}
        self._yield_vaults = [
            (vault, apys[vault.symbol]) for vault in manifest.vaults if vault.symbol in apys
        ]
        self._vault_abi = artifacts.market("YieldVault").abi
        # Block time of each vault's last harvest, by symbol; the first tick only starts the clock.
        self._harvested_at: dict[str, int] = {}

    def tick(self) -> Swap:
        """Draw one move and make it as one swap; the random draws do not depend on the outcome."""
        # Both draws come first, so the stream advances the same whether the swap succeeds or not.
        pool = self.rng.choice(self.pools)
        shock = self.rng.gauss(0.0, self.volatility)
        sender = self._ready()
        contract = self.w3.eth.contract(address=Web3.to_checksum_address(pool.address), abi=self._pool_abi)
        sqrt_price: int = contract.functions.slot0().call()[0]
        liquidity: int = contract.functions.liquidity().call()
        if liquidity == 0:
            raise MarketSimFailed(f"{pool.name} has no liquidity")
        if token_spec(pool.token0).usd_price == token_spec(pool.token1).usd_price:
            # Two tokens the catalog prices alike are a stable pair: it wobbles, it does not depeg.
            shock *= _PEGGED_VOLATILITY
        # Mean reversion in log price pulls towards the catalog price; the shock makes the walk.
        move = -self.reversion * self._log_deviation(pool, sqrt_price) + shock
        target = int(sqrt_price * math.exp(move / 2))  # sqrt price moves by half the log price
        zero_for_one = target < sqrt_price
        if target == sqrt_price:
            target += 1  # the router rejects a limit equal to the current price
        token_in = pool.token0 if zero_for_one else pool.token1
        token_out = pool.token1 if zero_for_one else pool.token0
        amount = self._amount_in(pool, sqrt_price, target, liquidity, token_in)
        self._ensure_balance(sender, token_in, amount)
        deadline = self.w3.eth.get_block("latest")["timestamp"] + _DEADLINE_S
        # The price limit is the target: the pool stops there and the router takes only what it used;
        # that limit already bounds the price, so no minimum output is asked.
        params = (
            self._address(token_in),
            self._address(token_out),
            pool.fee,
            sender.sender,
            deadline,
            amount,
            0,
            target,
        )
        sender.send(self.router.functions.exactInputSingle(params))
        after: int = contract.functions.slot0().call()[0]
        price = price_from_sqrt_x96(after, token_spec(pool.token0).decimals, token_spec(pool.token1).decimals)
        return Swap(self.manifest.chain_key, pool.name, token_in, amount, price)

    def harvest(self) -> dict[str, int]:
        """Harvest into each vault the yield its APY accrued since the last harvest; base units by vault.

        Interest on ``totalAssets`` compounded at the vault's APY over the block time elapsed, so that
        the APY measured from the share price is the catalog's; a vault whose accrual rounds
        to zero keeps accruing from its last harvest. The deployer owns the vaults (it deployed them),
        mints the asset (a TestToken it owns) and approved every vault to pull it when it seeded them.
        """
        owner = Sender(self.w3, Web3.to_checksum_address(self.manifest.deployer))
        now: int = self.w3.eth.get_block("latest")["timestamp"]
        harvested: dict[str, int] = {}
        for vault, apy in self._yield_vaults:
            since = self._harvested_at.setdefault(vault.symbol, now)
            contract = self.w3.eth.contract(
                address=Web3.to_checksum_address(vault.address), abi=self._vault_abi
            )
            total_assets: int = contract.functions.totalAssets().call()
            growth = (1 + apy) ** (Decimal(now - since) / _SECONDS_PER_YEAR) - 1
            amount = int(total_assets * growth)
            if amount == 0:
                continue
            owner.send(self._token(vault.asset).functions.mint(owner.sender, amount))
            owner.send(contract.functions.harvest(amount))
            self._harvested_at[vault.symbol] = now
            harvested[vault.symbol] = amount
        return harvested

    def _ready(self) -> Sender:
        """The simulator account, funded and with the router approved for every pool token, once."""
        if self._sender is not None:
            return self._sender
        account = Web3.to_checksum_address(self.w3.eth.accounts[SIMULATOR_ACCOUNT_INDEX])
        sender = Sender(self.w3, account)
        symbols = sorted({symbol for pool in self.pools for symbol in (pool.token0, pool.token1)})
        fund(self.rpc_url, self.manifest, account, FUNDING_USD, symbols)
        for symbol in symbols:
            token = self._token(symbol)
            if token.functions.allowance(account, self.router.address).call() == 0:
                sender.send(token.functions.approve(self.router.address, MAX_UINT256))
        self._sender = sender
        logger.info("market simulator ready on %s as %s", self.manifest.chain_key, account)
        return sender

    def _log_deviation(self, pool: PoolEntry, sqrt_price: int) -> float:
        """ln(pool price / catalog price): zero at the catalog price, the same scale both ways."""
        token0, token1 = token_spec(pool.token0), token_spec(pool.token1)
        price = price_from_sqrt_x96(sqrt_price, token0.decimals, token1.decimals)
        return math.log(float(price * token1.usd_price / token0.usd_price))

    def _amount_in(self, pool: PoolEntry, sqrt_price: int, target: int, liquidity: int, symbol: str) -> int:
        """Base units of ``symbol`` that take the pool from ``sqrt_price`` to ``target``, with fee, capped."""
        # Within one range (the pools hold full-range liquidity): dx = L (1/√P' - 1/√P), dy = L (√P' - √P).
        if target < sqrt_price:
            net = liquidity * Q96 * (sqrt_price - target) // (sqrt_price * target) + 1
        else:
            net = liquidity * (target - sqrt_price) // Q96 + 1
        gross = net * _FEE_DENOMINATOR // (_FEE_DENOMINATOR - pool.fee) + 1
        spec = token_spec(symbol)
        return min(gross, max(units_worth(self.max_trade_usd, spec.usd_price, spec.decimals), 1))

    def _ensure_balance(self, sender: Sender, symbol: str, amount: int) -> None:
        """Top the account up when a long run one way has spent a side; rare, the walk reverts to the mean."""
        if self._token(symbol).functions.balanceOf(sender.sender).call() < amount:
            fund(self.rpc_url, self.manifest, sender.sender, FUNDING_USD, [symbol])

    def _token(self, symbol: str) -> Contract:
        # TestToken's ABI covers WETH9's ERC-20 functions.
        return self.w3.eth.contract(address=self._address(symbol), abi=self._token_abi)

    def _address(self, symbol: str) -> ChecksumAddress:
        return Web3.to_checksum_address(self.manifest.token(symbol).address)


class MarketSimulator:
    """Moves the major pools' prices: each tick one seeded random-walk swap per chain, in a background thread.

    Each tick also harvests the yield vaults' accrued yield at their catalog APY (``_ChainWalk.harvest``).

    The walk is in log price: each tick picks a pool and moves it by ``-reversion * deviation +
    N(0, volatility)``, where the deviation is from the catalog price, so prices wander but stay
    near it. A trade never exceeds ``max_trade_usd`` at catalog prices.
    """

    def __init__(
        self,
        chains: list[tuple[str, DeploymentManifest]],
        seed: int,
        interval_s: float = DEFAULT_INTERVAL_S,
        max_trade_usd: Decimal = DEFAULT_MAX_TRADE_USD,
        *,
        volatility: float = 0.01,
        reversion: float = 0.1,
    ) -> None:
        if interval_s <= 0:
            raise ValueError(f"interval_s must be positive, got {interval_s}")
        if max_trade_usd <= 0:
            raise ValueError(f"max_trade_usd must be positive, got {max_trade_usd}")
        self.seed = seed
        self.interval_s = interval_s
        self._walks = [
            _ChainWalk(
                rpc_url,
                manifest,
                seed,
                max_trade_usd=max_trade_usd,
                volatility=volatility,
                reversion=reversion,
            )
            for rpc_url, manifest in chains
        ]
        # step() from a caller and the thread's ticks never interleave on one chain's stream.
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """Whether the background thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Tick in a background thread, now and then every ``interval_s``; a no-op when already running."""
        if self.running:
            return
        self._stopping = threading.Event()
        # A daemon, so a tick stuck on a dead node can never keep the process alive.
        self._thread = threading.Thread(target=self._run, name="market-simulator", daemon=True)
        self._thread.start()
        logger.info("market simulator started: seed %s, every %s s", self.seed, self.interval_s)

    def stop(self) -> None:
        """Stop the thread and wait for it (at most ``STOP_TIMEOUT_S``); a no-op when not running."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stopping.set()
        thread.join(STOP_TIMEOUT_S)
        if thread.is_alive():
            logger.warning("market simulator still finishing a tick after %s s", STOP_TIMEOUT_S)

    def step(self) -> list[Swap]:
        """One tick, now: a swap on each chain; a chain that fails is logged and left out."""
        return self._tick(None)

    def _tick(self, stopping: threading.Event | None) -> list[Swap]:
        swaps: list[Swap] = []
        with self._lock:
            for walk in self._walks:
                # The thread checks between chains, so stop() is not held up by the rest of a tick.
                if stopping is not None and stopping.is_set():
                    break
                try:
                    swap = walk.tick()
                    # Appended first: the swap was made even if the harvest after it fails.
                    swaps.append(swap)
                    harvested = walk.harvest()
                    logger.debug("market simulator swap: %s, harvested %s", swap, harvested)
                except _TICK_ERRORS as e:
                    logger.warning("market simulator tick on %s failed: %s", walk.manifest.chain_key, e)
        return swaps

    def _run(self) -> None:
        stopping = self._stopping
        while not stopping.is_set():
            self._tick(stopping)
            stopping.wait(self.interval_s)
