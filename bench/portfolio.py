"""Portfolio reads on the local cloud: a 50-token refresh (Multicall3 vs web3.py loop), GET /v1/portfolio."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import httpx
from eth_account import Account
from pydantic import BaseModel, ConfigDict
from web3 import HTTPProvider, Web3
from web3.contract import Contract
from web3.types import RPCEndpoint, RPCResponse

from bench import api_latency, emulator_errors
from bench.api_latency import Deadline, Latency, Plan
from bench.chain_send import Percentiles, percentiles
from bench.portfolio_market import BenchManifests, BenchSetupFailed, fund_holders, web3, with_tokens
from bench.targets import verdict
from localcloud import LocalCloud
from localcloud.market import artifacts
from tradewind.chains.batch import HttpxTransport, RpcRequest, RpcTransport
from tradewind.chains.registry import ChainRegistry
from tradewind.deployments.manifest import DeploymentManifest
from tradewind.holdings import ChainHoldings, InMemorySnapshotSource
from tradewind.holdings.reader import HoldingsReader
from tradewind.holdings.settings import HoldingsSettings

TIME_LIMIT_S = 100.0
CHAINS = ("local-l1", "local-l2")
TOKENS_PER_CHAIN = 25
REFRESH_WARMUP = 3
REFRESH_RUNS = 40
CLIENTS = 16
SNAPSHOT_PLAN = Plan(scenario="GET /v1/portfolio, from snapshots", warmup=3, measured=40)
LIVE_PLAN = Plan(scenario="GET /v1/portfolio, max age 0 (live)", warmup=1, measured=10)
# One client alone: what a request costs without 15 others competing for the process.
SEQUENTIAL_SNAPSHOT_PLAN = Plan(scenario="GET /v1/portfolio, from snapshots", warmup=3, measured=30)
SEQUENTIAL_LIVE_PLAN = Plan(scenario="GET /v1/portfolio, max age 0 (live)", warmup=1, measured=10)
PORTFOLIO_TARGET_MS = 200.0
_RPC_TIMEOUT_S = 10.0
# Opening a vault deploys it through the chain executor before POST /v1/vaults answers locally.
_SETUP_TIMEOUT_S = 60.0

# (chain, what is held: "native", a token symbol, "<vault> shares" or "<vault> assets") -> base units
Balances = dict[tuple[str, str], int]


class BenchCheckFailed(RuntimeError):
    """A measured run did not do what its figures claim (balances differ, a response not from a snapshot)."""


class CountingTransport:
    """RpcTransport around the reader's real one, counting HTTP posts (one batch each) and requests."""

    def __init__(self, inner: RpcTransport) -> None:
        self._inner = inner
        self._lock = threading.Lock()  # the reader posts from one thread per chain
        self.posts = 0
        self.requests: Counter[str] = Counter()

    def post(self, url: str, batch: list[RpcRequest]) -> list[dict[str, Any]]:
        """Count, then post through the inner transport."""
        with self._lock:
            self.posts += 1
            self.requests.update(str(request["method"]) for request in batch)
        return self._inner.post(url, batch)

    def reset(self) -> None:
        """Forget what the warm-up sent."""
        with self._lock:
            self.posts = 0
            self.requests.clear()


class CountingProvider(HTTPProvider):
    """web3's HTTP provider, counting requests by method.

    Without batching or request caching (web3 leaves both off by default), each request is one
    HTTP round trip.
    """

    def __init__(self, url: str) -> None:
        super().__init__(url, request_kwargs={"timeout": _RPC_TIMEOUT_S})
        self.requests: Counter[str] = Counter()

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        """Count, then send."""
        self.requests[str(method)] += 1
        return super().make_request(method, params)


class Web3Loop:
    """The balances read one call at a time, chain after chain: how a first version would be written.

    Web3 clients and contract objects are built once, outside the timing: only the calls are timed.
    """

    def __init__(self, urls: Mapping[str, str], manifests: Mapping[str, DeploymentManifest]) -> None:
        erc20, erc4626 = artifacts.market("TestToken").abi, artifacts.market("YieldVault").abi
        self._chains: list[tuple[str, Web3, list[tuple[str, Contract]], list[tuple[str, Contract]]]] = []
        self.providers: list[CountingProvider] = []
        for key in CHAINS:
            provider = CountingProvider(urls[key])
            w3 = Web3(provider)
            manifest = manifests[key]
            tokens = [
                (token.symbol, w3.eth.contract(address=Web3.to_checksum_address(token.address), abi=erc20))
                for token in manifest.tokens
            ]
            vaults = [
                (vault.symbol, w3.eth.contract(address=Web3.to_checksum_address(vault.address), abi=erc4626))
                for vault in manifest.vaults
            ]
            self._chains.append((key, w3, tokens, vaults))
            self.providers.append(provider)

    def read(self, owner: str) -> Balances:
        """Native balance, each token's balanceOf, each vault's balanceOf then convertToAssets."""
        address = Web3.to_checksum_address(owner)
        balances: Balances = {}
        for key, w3, tokens, vaults in self._chains:
            balances[(key, "native")] = w3.eth.get_balance(address)
            for symbol, token in tokens:
                balances[(key, symbol)] = token.functions.balanceOf(address).call()
            for symbol, vault in vaults:
                shares = vault.functions.balanceOf(address).call()
                balances[(key, f"{symbol} shares")] = shares
                balances[(key, f"{symbol} assets")] = vault.functions.convertToAssets(shares).call()
        return balances

    def requests(self) -> Counter[str]:
        """Requests sent since the last reset, by method."""
        total: Counter[str] = Counter()
        for provider in self.providers:
            total += provider.requests
        return total

    def reset(self) -> None:
        """Forget what the warm-up sent."""
        for provider in self.providers:
            provider.requests.clear()


def reader_balances(chains: Sequence[ChainHoldings]) -> Balances:
    """The reader's answer in the loop's terms; a chain not read fresh, or an unreadable entry, fails."""
    balances: Balances = {}
    for chain in chains:
        if chain.status != "fresh" or len(chain.holdings) != 1:
            detail = f"{chain.status}, {len(chain.holdings)} owners ({chain.error})"
            raise BenchCheckFailed(f"{chain.chain}: {detail}")
        (owner,) = chain.holdings
        if owner.unreadable or owner.native is None:
            raise BenchCheckFailed(f"{chain.chain}: unreadable {owner.unreadable}")
        balances[(chain.chain, "native")] = owner.native.raw
        balances.update({(chain.chain, token.symbol): token.raw for token in owner.tokens})
        for vault in owner.vaults:
            balances[(chain.chain, f"{vault.vault} shares")] = vault.shares_raw
            balances[(chain.chain, f"{vault.vault} assets")] = vault.underlying_raw
    return balances


def _compare(reader: Balances, loop: Balances) -> int:
    """How many balances both approaches returned; fails unless they are the same entries, equal, non-zero."""
    differences = [
        f"{key}: reader {reader.get(key)} loop {loop.get(key)}"
        for key in sorted(reader.keys() | loop.keys())
        if reader.get(key) != loop.get(key)
    ]
    if differences:
        raise BenchCheckFailed("the reader and the web3 loop disagree:\n    " + "\n    ".join(differences))
    if zero := [key for key, value in reader.items() if not value]:
        raise BenchCheckFailed(f"the funded wallet holds nothing of {zero}")
    return len(reader)


class RefreshFigures(BaseModel):
    """One approach's refresh time and what each refresh sent."""

    model_config = ConfigDict(frozen=True)

    timing: Percentiles
    round_trips: float
    requests: dict[str, float]


class RefreshReport(BaseModel):
    """The 2-chain refresh, both ways."""

    model_config = ConfigDict(frozen=True)

    tokens_per_chain: int
    deployed_tokens: dict[str, int]
    vaults: dict[str, int]
    reader: RefreshFigures
    loop: RefreshFigures
    balances_compared: int
    elapsed_s: float


def _urls(cloud: LocalCloud) -> dict[str, str]:
    return {chain.key: chain.rpc_url for chain in cloud.chains if chain.key in CHAINS}


def _per_refresh(requests: Counter[str], posts: int, runs: int) -> tuple[float, dict[str, float]]:
    return posts / runs, {method: count / runs for method, count in sorted(requests.items())}


def _stock(cloud: LocalCloud, owner: str) -> tuple[dict[str, DeploymentManifest], dict[str, int]]:
    """Per chain, the bench's manifest of ``TOKENS_PER_CHAIN`` tokens and how many of them it deployed.

    ``owner`` is given every one of those tokens, native ETH and shares of each yield vault.
    """
    manifests: dict[str, DeploymentManifest] = {}
    deployed: dict[str, int] = {}
    for key, url in _urls(cloud).items():
        w3 = web3(url)
        manifests[key], deployed[key] = with_tokens(w3, cloud.manifest(key), TOKENS_PER_CHAIN)
        fund_holders(w3, manifests[key], [owner])
    return manifests, deployed


def _time_refreshes(
    reader: HoldingsReader, transport: CountingTransport, loop: Web3Loop, owner: str, deadline: Deadline
) -> tuple[list[float], list[float], int]:
    """Seconds per refresh of each, and how many balances were compared (warm-up included).

    The two alternate refresh by refresh, so that drift on this shared machine hits both alike.
    The request counters start after the warm-up.
    """
    owners = {key: [owner] for key in CHAINS}
    compared = sum(
        _compare(reader_balances(reader.read(owners)), loop.read(owner)) for _ in range(REFRESH_WARMUP)
    )
    transport.reset()
    loop.reset()
    reader_s: list[float] = []
    loop_s: list[float] = []
    for _ in range(REFRESH_RUNS):
        if deadline.passed:
            break
        started = time.perf_counter()
        chains = reader.read(owners)
        reader_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        looped = loop.read(owner)
        loop_s.append(time.perf_counter() - started)
        compared += _compare(reader_balances(chains), looped)
    return reader_s, loop_s, compared


def measure_refresh(cloud: LocalCloud, deadline: Deadline) -> RefreshReport:
    """Stock the chains, then time the reader and the loop, comparing their balances every time."""
    began = time.monotonic()
    urls = _urls(cloud)
    owner = Account.create().address  # a fresh wallet, the same address on both chains
    manifests, deployed = _stock(cloud, owner)
    inner = HttpxTransport(_RPC_TIMEOUT_S)
    transport = CountingTransport(inner)
    reader = HoldingsReader(
        ChainRegistry.select(list(CHAINS), {key: [urls[key]] for key in CHAINS}),
        BenchManifests(manifests),
        InMemorySnapshotSource(),
        settings=HoldingsSettings(),
        transport=transport,
    )
    loop = Web3Loop(urls, manifests)
    try:
        reader_s, loop_s, compared = _time_refreshes(reader, transport, loop, owner, deadline)
    finally:
        inner.close()
    runs = max(1, len(reader_s))
    reader_trips, reader_requests = _per_refresh(transport.requests, transport.posts, runs)
    loop_requests = loop.requests()
    loop_trips, loop_by_method = _per_refresh(loop_requests, loop_requests.total(), runs)
    return RefreshReport(
        tokens_per_chain=TOKENS_PER_CHAIN,
        deployed_tokens=deployed,
        vaults={key: len(manifest.vaults) for key, manifest in manifests.items()},
        reader=RefreshFigures(
            timing=percentiles("HoldingsReader.read (Multicall3)", REFRESH_RUNS, reader_s),
            round_trips=reader_trips,
            requests=reader_requests,
        ),
        loop=RefreshFigures(
            timing=percentiles("web3.py loop, call by call", REFRESH_RUNS, loop_s),
            round_trips=loop_trips,
            requests=loop_by_method,
        ),
        balances_compared=compared,
        elapsed_s=round(time.monotonic() - began, 1),
    )


class _Recorder:
    """GET /v1/portfolio, keeping each response so it is checked after the run, outside the timing."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.responses: list[httpx.Response] = []

    def __call__(self, client: httpx.Client) -> httpx.Response:
        response = client.get("/v1/portfolio")
        with self._lock:
            self.responses.append(response)
        return response


class Served(BaseModel):
    """How the 2xx responses of a run were served: each chain's status and age."""

    model_config = ConfigDict(frozen=True)

    responses: int
    as_expected: int
    max_age_s: float
    unexpected: list[str]


def served(responses: Sequence[httpx.Response], from_snapshots: bool) -> Served:
    """Check each 2xx body: every chain fresh, not stale, aged (snapshot) or of age 0 (read now)."""
    ok, max_age = 0, 0.0
    unexpected: list[str] = []
    bodies = [response.json() for response in responses if response.is_success]
    for body in bodies:
        chains = body["by_chain"]
        ages = [chains[key]["age_s"] for key in CHAINS if key in chains]
        good = set(chains) == set(CHAINS) and all(
            chains[key]["status"] == "fresh" and not chains[key]["stale"] for key in chains
        )
        good = good and all((age is not None and age > 0) if from_snapshots else age == 0 for age in ages)
        max_age = max([max_age, *(age for age in ages if age is not None)])
        if good:
            ok += 1
        elif len(unexpected) < 3:
            unexpected.append(str(chains))
    return Served(responses=len(bodies), as_expected=ok, max_age_s=round(max_age, 1), unexpected=unexpected)


class LoadReport(BaseModel):
    """GET /v1/portfolio under concurrent users, from snapshots and read live."""

    model_config = ConfigDict(frozen=True)

    max_age_s: float
    price_ttl_s: float
    api_tokens: dict[str, int]
    vaults_opened: dict[str, int]
    refresh: Percentiles
    positions: int
    unpriced: list[str]
    sequential_snapshot: Latency
    snapshot: Latency
    snapshot_served: Served
    sequential_live: Latency
    live: Latency
    live_served: Served
    elapsed_s: float


def _open_accounts(base_url: str, tokens: Sequence[str]) -> dict[str, list[str]]:
    """Per user: one fresh wallet watched on both chains and a vault it owns, opened through the API.

    The vaults alternate between the chains. Returns every holder address per chain, to fund.
    """
    holders: dict[str, list[str]] = {key: [] for key in CHAINS}
    with httpx.Client(base_url=base_url, timeout=_SETUP_TIMEOUT_S) as client:
        for index, token in enumerate(tokens):
            headers = {"Authorization": f"Bearer {token}"}
            wallet = Account.create().address
            for key in CHAINS:
                watched = client.post(
                    "/v1/wallets", json={"chain": key, "address": wallet, "label": "bench"}, headers=headers
                )
                if watched.status_code != httpx.codes.CREATED:
                    raise BenchSetupFailed(f"POST /v1/wallets: {watched.status_code} {watched.text}")
                holders[key].append(wallet)
            vault_chain = CHAINS[index % len(CHAINS)]
            opened = client.post("/v1/vaults", json={"chain": vault_chain, "owner": wallet}, headers=headers)
            body = opened.json()
            if opened.status_code != httpx.codes.ACCEPTED or body.get("status") != "active":
                raise BenchSetupFailed(f"POST /v1/vaults: {opened.status_code} {opened.text}")
            holders[vault_chain].append(str(body["address"]))
    return holders


def _refresh_all(base_url: str, tokens: Sequence[str]) -> tuple[Percentiles, dict[str, Any]]:
    """POST /v1/portfolio/refresh once per user, in turn (the first, unrecorded, builds the services)."""
    seconds: list[float] = []
    responses: list[httpx.Response] = []
    with httpx.Client(base_url=base_url, timeout=_SETUP_TIMEOUT_S) as client:
        for index, token in enumerate([tokens[0], *tokens]):
            started = time.perf_counter()
            response = client.post("/v1/portfolio/refresh", headers={"Authorization": f"Bearer {token}"})
            elapsed = time.perf_counter() - started
            if not response.is_success:
                raise BenchSetupFailed(f"POST /v1/portfolio/refresh: {response.status_code} {response.text}")
            if index:
                seconds.append(elapsed)
                responses.append(response)
    check = served(responses, from_snapshots=False)
    if check.as_expected != len(responses):
        raise BenchCheckFailed(f"a refresh did not read both chains now: {check.unexpected}")
    body: dict[str, Any] = responses[-1].json()
    return percentiles("POST /v1/portfolio/refresh, sequential", len(tokens), seconds), body


def _load(
    plan: Plan, base_url: str, tokens: list[str], deadline: Deadline, errors: emulator_errors.EmulatorErrors
) -> tuple[Latency, list[httpx.Response]]:
    recorder = _Recorder()
    before = errors.total
    figures = api_latency.run_load(plan, base_url, tokens, recorder, deadline)
    return figures.model_copy(update={"emulator_errors": errors.total - before}), recorder.responses


def measure_portfolio_load(cloud: LocalCloud, deadline: Deadline) -> LoadReport:
    """Two API apps on uvicorn, one serving snapshots (the deployed max age), one reading every GET live."""
    from tradewind.api.app import create_app  # noqa: PLC0415 - after the environment is applied
    from tradewind.api.settings import ApiSettings  # noqa: PLC0415
    from tradewind.observability import logger  # noqa: PLC0415

    began = time.monotonic()
    logger.setLevel(logging.WARNING)  # the API logs each registration at INFO
    settings = ApiSettings.from_environment()
    live_settings = settings.model_copy(update={"portfolio_max_age_s": 0.0})
    urls = _urls(cloud)
    with (
        emulator_errors.counted() as errors,
        api_latency.serve(create_app(settings)) as snapshot_url,
        api_latency.serve(create_app(live_settings)) as live_url,
    ):
        tokens = api_latency.login_users(snapshot_url, CLIENTS)
        holders = _open_accounts(snapshot_url, tokens)
        for key in CHAINS:
            fund_holders(web3(urls[key]), cloud.manifest(key), holders[key])
        refresh, sample = _refresh_all(snapshot_url, tokens)
        alone, alone_responses = _load(SEQUENTIAL_SNAPSHOT_PLAN, snapshot_url, tokens[:1], deadline, errors)
        snapshot, snapshot_responses = _load(SNAPSHOT_PLAN, snapshot_url, tokens, deadline, errors)
        alone_live, alone_live_responses = _load(SEQUENTIAL_LIVE_PLAN, live_url, tokens[:1], deadline, errors)
        live, live_responses = _load(LIVE_PLAN, live_url, tokens, deadline, errors)
    return LoadReport(
        max_age_s=settings.portfolio_max_age_s,
        price_ttl_s=settings.price_ttl_s,
        api_tokens={key: len(cloud.manifest(key).tokens) for key in CHAINS},
        vaults_opened={key: len(holders[key]) - len(tokens) for key in CHAINS},
        refresh=refresh,
        positions=len(sample["positions"]),
        unpriced=list(sample["unpriced"]),
        sequential_snapshot=alone,
        snapshot=snapshot,
        snapshot_served=served(alone_responses + snapshot_responses, from_snapshots=True),
        sequential_live=alone_live,
        live=live,
        live_served=served(alone_live_responses + live_responses, from_snapshots=False),
        elapsed_s=round(time.monotonic() - began, 1),
    )


def _timing_line(figures: Percentiles, extra: str = "") -> str:
    cut = "  (TRUNCATED by the time limit)" if figures.truncated else ""
    return (
        f"  {figures.label:<40} n={figures.samples:<4} p50 {figures.p50_ms:7.2f} ms  "
        f"p99 {figures.p99_ms:7.2f} ms  max {figures.max_ms:7.2f} ms{extra}{cut}"
    )


def _load_line(figures: Latency) -> str:
    errors = f"{figures.errors}" + (f" {figures.error_statuses}" if figures.errors else "")
    if figures.emulator_errors:
        errors += f" (emulator 500s: {figures.emulator_errors})"
    cut = "  (TRUNCATED by the time limit)" if figures.truncated else ""
    return (
        f"  {figures.scenario:<40} {figures.clients:>2} clients  n={figures.requests:<4} "
        f"p50 {figures.p50_ms:7.2f} ms  p99 {figures.p99_ms:7.2f} ms  max {figures.max_ms:7.2f} ms  "
        f"{figures.throughput_rps:6.1f} req/s  errors {errors}{cut}"
    )


def _plan(plan: Plan) -> str:
    return f"{plan.warmup} + {plan.measured}"


def _ok(check: Served) -> str:
    return "OK" if check.as_expected == check.responses else "FAIL"


def _ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:.1f}x" if denominator > 0 else "n/a"


def _requests(requests: dict[str, float]) -> str:
    return ", ".join(f"{method} {count:g}" for method, count in requests.items())


def print_refresh(figures: RefreshReport) -> None:
    """The refresh section's lines."""
    listed = ", ".join(
        f"{key} {figures.tokens_per_chain - count}" for key, count in figures.deployed_tokens.items()
    )
    deployed = ", ".join(f"{key} {count}" for key, count in figures.deployed_tokens.items())
    vaults = " + ".join(str(count) for count in figures.vaults.values())
    tokens = figures.tokens_per_chain
    print(
        f"\n  Refresh of one wallet on {len(CHAINS)} chains, {tokens} ERC-20 tokens per chain, native ETH and"
    )
    print(f"  shares of {vaults} ERC-4626 vaults, all held. Tokens from the market manifest: {listed};")
    runs = f"{REFRESH_RUNS} refreshes each after {REFRESH_WARMUP}"
    print(f"  TestTokens deployed by the bench: {deployed}. {runs}")
    print("  warm-up, reader and loop alternating; time.perf_counter around one whole refresh:")
    reader, loop = figures.reader, figures.loop
    print(_timing_line(reader.timing, f"  HTTP round trips {reader.round_trips:g}/refresh"))
    print(_timing_line(loop.timing, f"  HTTP round trips {loop.round_trips:g}/refresh"))
    print(f"    reader: the chains at once, a thread each; per refresh {_requests(reader.requests)}")
    print(
        "      (its Multicall3 batch also reads each vault's decimals and the owner's Uniswap V3 positions)"
    )
    print(f"    loop: chain after chain, one request per value; per refresh: {_requests(loop.requests)}")
    print("      (web3.py's default ValidationMiddleware asks eth_chainId twice per eth_call)")
    print(
        f"    loop / reader: p50 {_ratio(loop.timing.p50_ms, reader.timing.p50_ms)}  "
        f"p99 {_ratio(loop.timing.p99_ms, reader.timing.p99_ms)}  "
        f"HTTP round trips {_ratio(loop.round_trips, reader.round_trips)}"
    )
    print(
        f"    balances: reader == loop, {figures.balances_compared} values compared over the warm-up and "
        "measured refreshes -> OK"
    )
    print(f"    (setup and measurement took {figures.elapsed_s:.1f} s)")


def print_load(figures: LoadReport) -> None:
    """The GET /v1/portfolio section's lines; raises after printing if a response was not served so."""
    tokens = ", ".join(f"{key} {count}" for key, count in figures.api_tokens.items())
    vaults = ", ".join(f"{key} {count}" for key, count in figures.vaults_opened.items())
    print(f"\n  GET /v1/portfolio, {CLIENTS} users each with one wallet watched on both chains and one vault")
    print(f"  opened through the API ({vaults}); every wallet and vault holds ETH, each token of the")
    print(f"  published manifest ({tokens}) and shares of its yield vaults. A portfolio: {figures.positions}")
    print(f"  positions, unpriced: {figures.unpriced or 'none'}. Snapshots warmed by one refresh per user:")
    print(_timing_line(figures.refresh))
    print(f"  Snapshots served while younger than {figures.max_age_s:.0f} s (TRADEWIND_PORTFOLIO_MAX_AGE_S),")
    print(
        f"  prices cached {figures.price_ttl_s:.0f} s; a second app with max age 0 reads both chains per GET."
    )
    print(
        "  Requests per client, warm-up (not counted) + measured: from snapshots 1 client "
        f"{_plan(SEQUENTIAL_SNAPSHOT_PLAN)},"
    )
    print(
        f"  {CLIENTS} clients {_plan(SNAPSHOT_PLAN)}; live 1 client {_plan(SEQUENTIAL_LIVE_PLAN)}, "
        f"{CLIENTS} clients {_plan(LIVE_PLAN)}. In this order:"
    )
    for latency in (figures.sequential_snapshot, figures.snapshot, figures.sequential_live, figures.live):
        print(_load_line(latency))
    longer = "longer" if figures.snapshot.wall_s > figures.price_ttl_s else "no longer"
    print(
        f"    the {CLIENTS}-client snapshot run lasted {figures.snapshot.wall_s:.1f} s, {longer} than the "
        f"{figures.price_ttl_s:.0f} s the app caches prices"
    )
    snap, live = figures.snapshot_served, figures.live_served
    print(
        f"    from snapshots: {snap.as_expected}/{snap.responses} 2xx responses had every chain fresh, not "
        f"stale, age > 0 (oldest {snap.max_age_s:.1f} s) -> {_ok(snap)}"
    )
    print(
        f"    live: {live.as_expected}/{live.responses} 2xx responses read both chains now (age 0) "
        f"-> {_ok(live)}"
    )
    target = verdict(figures.snapshot.p50_ms, figures.snapshot.p99_ms, PORTFOLIO_TARGET_MS)
    print(f"    from snapshots, {CLIENTS} clients: {target}")
    alone = figures.sequential_snapshot
    print(f"    from snapshots, 1 client:  {verdict(alone.p50_ms, alone.p99_ms, PORTFOLIO_TARGET_MS)}")
    print(
        f"    {CLIENTS} clients, live / snapshots: "
        f"p50 {_ratio(figures.live.p50_ms, figures.snapshot.p50_ms)}  "
        f"p99 {_ratio(figures.live.p99_ms, figures.snapshot.p99_ms)}; "
        f"snapshots / live req/s {_ratio(figures.snapshot.throughput_rps, figures.live.throughput_rps)}"
    )
    print(
        f"    1 client, live / snapshots: p50 "
        f"{_ratio(figures.sequential_live.p50_ms, figures.sequential_snapshot.p50_ms)}; "
        f"from snapshots, {CLIENTS} clients / 1 client p50 {_ratio(figures.snapshot.p50_ms, alone.p50_ms)}"
    )
    print(f"    (setup and measurement took {figures.elapsed_s:.1f} s)")
    for name, check in (("snapshot", snap), ("live", live)):
        if check.as_expected != check.responses:
            raise BenchCheckFailed(f"{name} responses not served as expected, e.g. {check.unexpected}")


def report(cloud: LocalCloud) -> None:
    """Measure and print the portfolio section."""
    print(
        f"\n== Portfolio on the local cloud (anvil + moto), hard limit {TIME_LIMIT_S:.0f} s on measured loops"
    )
    print("   NOTE: anvil answers on loopback; against a hosted RPC every HTTP round trip counted here also")
    print("   pays a network round trip. moto, the API and the load clients share this process and its GIL,")
    print("   as in the API latency section.")
    deadline = Deadline(TIME_LIMIT_S)
    print_refresh(measure_refresh(cloud, deadline))
    print_load(measure_portfolio_load(cloud, deadline))
