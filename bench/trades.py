"""The trade flow on the local cloud: POST /v1/trades to submitted and to confirmed, broken down per state."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
from eth_account import Account
from pydantic import BaseModel, ConfigDict

from bench import api_latency
from bench.api_latency import Deadline
from bench.chain_send import Percentiles, percentiles
from bench.portfolio_market import BenchSetupFailed
from bench.targets import verdict
from localcloud import LocalCloud
from localcloud.market import fund

TIME_LIMIT_S = 120.0
CHAIN = "local-l1"
SEQUENTIAL_TRADES = 50
WARMUP_TRADES = 2
CONCURRENCY = 10
CONCURRENT_TRADES = 20
TRADE_TARGET_MS = 500.0
# Small trades, alternating direction so the vault's balances stay where they started.
TRADES = (("WETH", "USDC", "0.05"), ("USDC", "WETH", "150"))
# The states of an auto-approved trade, in flow order; any other state is summed into "other states".
STATES = ("Analyze", "Risk", "Sign", "Broadcast", "WaitForBlocks", "CheckConfirmation", "RecordConfirmed")
WAIT_STATE = "WaitForBlocks"
_POLL_S = 0.1
_TRADE_TIMEOUT_S = 30.0
_SETUP_TIMEOUT_S = 60.0
_FINAL = frozenset({"confirmed", "failed", "rejected", "expired", "cancelled"})
_OUTPUT_STATE_MACHINE = "TradeStateMachineArn"


class BenchCheckFailed(RuntimeError):
    """A trade did not go the way the figures assume (not confirmed, or its history is missing a state)."""


class TradeTiming(BaseModel):
    """One trade, in seconds: the POST, from its start to each timeline step, and each state's time."""

    model_config = ConfigDict(frozen=True)

    trade_id: str
    post_s: float
    to_started_s: float
    to_submitted_s: float
    to_confirmed_s: float
    states_s: dict[str, float]
    checks: int
    between_states_s: float


class Failed(BaseModel):
    """A trade that did not end confirmed, and how it ended."""

    model_config = ConfigDict(frozen=True)

    trade_id: str
    status: str
    error: str | None


class Run(BaseModel):
    """One run of trades, sequential or concurrent."""

    model_config = ConfigDict(frozen=True)

    label: str
    clients: int
    planned: int
    trades: list[TradeTiming]
    failed: list[Failed]
    wall_s: float

    @property
    def truncated(self) -> bool:
        """Whether the time limit cut the run short."""
        return len(self.trades) + len(self.failed) < self.planned


class TradesReport(BaseModel):
    """Everything the section prints."""

    model_config = ConfigDict(frozen=True)

    confirm_poll_s: float
    sequential: Run
    concurrent: Run
    elapsed_s: float


class _Account:
    """The bench's user: its session and its vault's id."""

    def __init__(self, token: str, vault_id: str) -> None:
        self.headers = {"Authorization": f"Bearer {token}"}
        self.vault_id = vault_id


def _checked(response: httpx.Response, expected: int, what: str) -> dict[str, Any]:
    if response.status_code != expected:
        raise BenchSetupFailed(f"{what}: {response.status_code} {response.text}")
    body: dict[str, Any] = response.json()
    return body


def _open_account(cloud: LocalCloud, base_url: str) -> _Account:
    """One user with an active vault on ``CHAIN`` holding WETH and USDC, auto-approving small trades."""
    (token,) = api_latency.login_users(base_url, 1)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, timeout=_SETUP_TIMEOUT_S, headers=headers) as client:
        owner = Account.create().address
        vault = _checked(
            client.post("/v1/vaults", json={"chain": CHAIN, "owner": owner}), 202, "POST /v1/vaults"
        )
        if vault.get("status") != "active":
            raise BenchSetupFailed(f"POST /v1/vaults: the vault is not active: {vault}")
        rpc_url = next(chain.rpc_url for chain in cloud.chains if chain.key == CHAIN)
        fund(rpc_url, cloud.manifest(CHAIN), vault["address"], Decimal(50_000), ("WETH", "USDC"))
        current = client.get("/v1/risk/profile")
        profile = _checked(current, 200, "GET /v1/risk/profile")
        for stored_only in ("version", "updated_at"):
            profile.pop(stored_only, None)
        profile |= {
            "max_trade_usd": "5000",
            "max_daily_usd": "1000000",
            "automation": {"auto_approve": True, "auto_approve_max_usd": "5000", "auto_approve_tokens": []},
        }
        _checked(
            client.put("/v1/risk/profile", json=profile, headers={"If-Match": current.headers["ETag"]}),
            200,
            "PUT /v1/risk/profile",
        )
    return _Account(token, str(vault["id"]))


def _submit(client: httpx.Client, account: _Account, index: int) -> tuple[str, datetime, float]:
    """POST /v1/trades: (trade id, wall-clock start, seconds the POST took)."""
    sell, buy, amount = TRADES[index % len(TRADES)]
    request = {
        "vault": account.vault_id,
        "sell_token": sell,
        "buy_token": buy,
        "amount": amount,
        "side": "exact_in",
        "max_slippage_bps": 50,
        "deadline_s": 300,
    }
    headers = {**account.headers, "Idempotency-Key": uuid.uuid4().hex}
    began_at = datetime.now(UTC)
    began = time.perf_counter()
    response = client.post("/v1/trades", json=request, headers=headers)
    post_s = time.perf_counter() - began
    return str(_checked(response, 202, "POST /v1/trades")["trade_id"]), began_at, post_s


def _final(client: httpx.Client, account: _Account, trade_id: str) -> dict[str, Any]:
    """Poll GET /v1/trades/{id} until the trade is final; the timings come from its timeline."""
    ends = time.monotonic() + _TRADE_TIMEOUT_S
    while True:
        trade = _checked(client.get(f"/v1/trades/{trade_id}", headers=account.headers), 200, "GET /v1/trades")
        if trade["status"] in _FINAL:
            return trade
        if time.monotonic() > ends:
            raise BenchCheckFailed(f"trade {trade_id} not final after {_TRADE_TIMEOUT_S:.0f} s: {trade}")
        time.sleep(_POLL_S)


class _History:
    """The flow's execution history, read after the trade is final."""

    def __init__(self, cloud: LocalCloud) -> None:
        self._sfn = cloud.aws.client("stepfunctions")
        self._prefix = cloud.deployment.outputs[_OUTPUT_STATE_MACHINE].replace(
            ":stateMachine:", ":execution:"
        )

    def events(self, trade_id: str) -> list[dict[str, Any]]:
        """Every event of the trade's execution (named after the trade), oldest first, once it has ended.

        The trade is final once RecordConfirmed has written it, before that state exits.
        """
        arn = f"{self._prefix}:{trade_id}"
        ends = time.monotonic() + _TRADE_TIMEOUT_S
        while self._sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
            if time.monotonic() > ends:
                raise BenchCheckFailed(f"execution {arn} still running after {_TRADE_TIMEOUT_S:.0f} s")
            time.sleep(_POLL_S)
        events: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"executionArn": arn, "maxResults": 1000}
        while True:
            page = self._sfn.get_execution_history(**kwargs)
            events.extend(page["events"])
            if not page.get("nextToken"):
                return events
            kwargs["nextToken"] = page["nextToken"]


def state_durations(events: Sequence[dict[str, Any]]) -> tuple[dict[str, float], int, datetime, float]:
    """Seconds per state (Entered to Exited, summed over loops), CheckConfirmation runs, execution start,
    and the execution's seconds spent outside every state (transitions inside the interpreter)."""
    entered: dict[str, datetime] = {}
    spent: dict[str, float] = {}
    checks = 0
    started: datetime | None = None
    ended: datetime | None = None
    for event in events:
        kind, at = str(event["type"]), event["timestamp"]
        if kind == "ExecutionStarted":
            started = at
        elif kind in {"ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"}:
            ended = at
        elif kind.endswith("StateEntered"):
            entered[event["stateEnteredEventDetails"]["name"]] = at
        elif kind.endswith("StateExited"):
            name = event["stateExitedEventDetails"]["name"]
            spent[name] = spent.get(name, 0.0) + (at - entered.pop(name)).total_seconds()
            checks += name == "CheckConfirmation"
    if started is None or ended is None:
        raise BenchCheckFailed(f"the execution history has no start or end: {[e['type'] for e in events]}")
    between = (ended - started).total_seconds() - sum(spent.values())
    return spent, checks, started, between


def _timeline_at(trade: dict[str, Any], status: str) -> datetime:
    at = next((step["at"] for step in trade["timeline"] if step["status"] == status), None)
    if at is None:
        raise BenchCheckFailed(f"trade {trade['id']} has no {status} step: {trade['timeline']}")
    return datetime.fromisoformat(str(at))


def _one_trade(
    client: httpx.Client, account: _Account, history: _History, index: int
) -> TradeTiming | Failed:
    """Submit one trade, wait for it to be final, and time it from its timeline and its execution history."""
    trade_id, began_at, post_s = _submit(client, account, index)
    trade = _final(client, account, trade_id)
    if trade["status"] != "confirmed":
        return Failed(trade_id=trade_id, status=trade["status"], error=trade.get("error"))
    states, checks, started, between = state_durations(history.events(trade_id))
    return TradeTiming(
        trade_id=trade_id,
        post_s=post_s,
        to_started_s=(started - began_at).total_seconds(),
        to_submitted_s=(_timeline_at(trade, "submitted") - began_at).total_seconds(),
        to_confirmed_s=(_timeline_at(trade, "confirmed") - began_at).total_seconds(),
        states_s=states,
        checks=checks,
        between_states_s=between,
    )


class _Collected:
    """Results from several threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.trades: list[TradeTiming] = []
        self.failed: list[Failed] = []

    def add(self, result: TradeTiming | Failed) -> None:
        with self._lock:
            (self.trades if isinstance(result, TradeTiming) else self.failed).append(result)  # type: ignore[arg-type]


class _Trader:
    """What each trading thread needs: the API's URL, the bench's account, and the execution histories."""

    def __init__(self, base_url: str, account: _Account, history: _History) -> None:
        self.base_url = base_url
        self.account = account
        self.history = history


def _worker(trader: _Trader, indices: range, deadline: Deadline, sink: _Collected) -> None:
    with httpx.Client(base_url=trader.base_url, timeout=_SETUP_TIMEOUT_S) as client:
        for index in indices:
            if deadline.passed:
                return
            try:
                sink.add(_one_trade(client, trader.account, trader.history, index))
            except (httpx.HTTPError, BenchSetupFailed, BenchCheckFailed) as e:
                sink.add(Failed(trade_id="?", status=type(e).__name__, error=str(e)[:300]))


def run_trades(trader: _Trader, label: str, clients: int, per_client: int, deadline: Deadline) -> Run:
    """``clients`` threads, each submitting ``per_client`` trades one after another."""
    sink = _Collected()
    threads = [
        threading.Thread(
            target=_worker,
            args=(trader, range(i * per_client, (i + 1) * per_client), deadline, sink),
            name=f"bench-trader-{i}",
        )
        for i in range(clients)
    ]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Run(
        label=label,
        clients=clients,
        planned=clients * per_client,
        trades=sink.trades,
        failed=sink.failed,
        wall_s=round(time.monotonic() - began, 2),
    )


def measure(cloud: LocalCloud) -> TradesReport:
    """One funded vault, auto-approving; unrecorded warm-up trades, the sequential run, the concurrent one."""
    from tradewind.api.app import create_app  # noqa: PLC0415 - after the environment is applied
    from tradewind.api.settings import ApiSettings  # noqa: PLC0415
    from tradewind.observability import logger  # noqa: PLC0415

    began = time.monotonic()
    logger.setLevel(logging.WARNING)
    settings = ApiSettings.from_environment()
    history = _History(cloud)
    with api_latency.serve(create_app(settings)) as base_url:
        trader = _Trader(base_url, _open_account(cloud, base_url), history)
        # Warm-up: the first trade imports every handler and builds its clients (cold starts).
        warmup = run_trades(trader, "warm-up", 1, WARMUP_TRADES, Deadline(_SETUP_TIMEOUT_S))
        if warmup.failed:
            raise BenchCheckFailed(f"a warm-up trade was not confirmed: {warmup.failed}")
        deadline = Deadline(TIME_LIMIT_S)
        sequential = run_trades(trader, "sequential", 1, SEQUENTIAL_TRADES, deadline)
        concurrent = run_trades(
            trader, f"{CONCURRENCY} at a time", CONCURRENCY, CONCURRENT_TRADES // CONCURRENCY, deadline
        )
    return TradesReport(
        confirm_poll_s=float(settings.confirm_poll_s),
        sequential=sequential,
        concurrent=concurrent,
        elapsed_s=round(time.monotonic() - began, 1),
    )


def _line(figures: Percentiles, extra: str = "") -> str:
    cut = "  (TRUNCATED by the time limit)" if figures.truncated else ""
    return (
        f"    {figures.label:<36} n={figures.samples:<3} p50 {figures.p50_ms:8.2f} ms  "
        f"p99 {figures.p99_ms:8.2f} ms  max {figures.max_ms:8.2f} ms{extra}{cut}"
    )


def _share(part_ms: float, whole_ms: float) -> str:
    return f"{part_ms / whole_ms:5.1%}" if whole_ms > 0 else "  n/a"


def _states(trades: Sequence[TradeTiming]) -> list[str]:
    """The expected states in flow order, then any other state the executions went through."""
    seen = {name for trade in trades for name in trade.states_s}
    return [name for name in STATES if name in seen] + sorted(seen - set(STATES))


def print_run(run: Run) -> None:
    """One run's lines: end to end, then per state with its share of the mean POST -> confirmed."""
    planned, trades = run.planned, run.trades
    failures = len(run.failed)
    print(
        f"\n  {run.label}: {len(trades)}/{planned} confirmed in {run.wall_s:.1f} s "
        f"({len(trades) / run.wall_s if run.wall_s else 0:.2f} trades/s), {run.clients} client(s)"
        + (f", NOT confirmed: {[(f.status, f.error) for f in run.failed[:3]]}" if failures else "")
    )
    if not trades:
        return

    def figures(label: str, seconds: list[float]) -> Percentiles:
        return percentiles(label, planned, seconds, failures)

    confirmed = figures("POST -> confirmed (timeline)", [t.to_confirmed_s for t in trades])
    submitted = figures("POST -> submitted (timeline)", [t.to_submitted_s for t in trades])
    print(_line(submitted, "  (no Wait state on this path)"))
    print(_line(confirmed))
    checks = sorted({t.checks for t in trades})
    print(f"    per state (Entered -> Exited in GetExecutionHistory; CheckConfirmation ran {checks} time(s)")
    print("    per trade, loop states summed), share of the mean POST -> confirmed:")
    whole = confirmed.mean_ms
    rows = [
        figures("POST /v1/trades (to its 202)", [t.post_s for t in trades]),
        figures("202 -> ExecutionStarted", [t.to_started_s - t.post_s for t in trades]),
    ]
    rows += [figures(name, [t.states_s.get(name, 0.0) for t in trades]) for name in _states(trades)]
    rows.append(figures("between states (transitions)", [t.between_states_s for t in trades]))
    for row in rows:
        print(_line(row, f"  {_share(row.mean_ms, whole)}"))
    accounted = sum(row.mean_ms for row in rows)
    print(f"    rows sum to {accounted:.1f} ms (means) against {whole:.1f} ms mean POST -> confirmed: the")
    print(
        "    confirmed step is written inside RecordConfirmed, before it exits; history stamps are whole ms"
    )
    ranked = sorted(rows, key=lambda row: row.mean_ms, reverse=True)
    top = ", ".join(f"{row.label} {_share(row.mean_ms, whole).strip()}" for row in ranked[:3])
    print(f"    dominated by: {top}")
    wait = next((row for row in rows if row.label == WAIT_STATE), None)
    if wait is not None:
        print(
            f"    without the {WAIT_STATE} Wait, POST -> confirmed would be about "
            f"{whole - wait.mean_ms:.1f} ms (mean); the busiest non-Wait state is "
            f"{next(row.label for row in ranked if row.label != WAIT_STATE)}"
        )
    print(f"    POST -> confirmed, {verdict(confirmed.p50_ms, confirmed.p99_ms, TRADE_TARGET_MS)}")
    print(f"    POST -> submitted, {verdict(submitted.p50_ms, submitted.p99_ms, TRADE_TARGET_MS)}")


def print_report(figures: TradesReport) -> None:
    """The section's lines; raises after printing if a measured trade was not confirmed."""
    print_run(figures.sequential)
    print_run(figures.concurrent)
    print(f"\n  (setup, {WARMUP_TRADES} warm-up trades and both runs took {figures.elapsed_s:.1f} s)")
    failed = figures.sequential.failed + figures.concurrent.failed
    if failed:
        raise BenchCheckFailed(f"{len(failed)} trades were not confirmed, e.g. {failed[:3]}")


def report(cloud: LocalCloud) -> None:
    """Measure and print the trade flow section."""
    poll = cloud.function_environment().get("TRADEWIND_CONFIRM_POLL_S", "?")
    print(
        f"\n== Trade flow on the local cloud (anvil automine + moto's ASL interpreter), hard limit "
        f"{TIME_LIMIT_S:.0f} s"
    )
    print(
        f"   one user, one vault on {CHAIN} auto-approving up to 5,000 USD; {SEQUENTIAL_TRADES} trades one "
        "after"
    )
    print(
        "   another, alternating 0.05 WETH -> USDC and 150 USDC -> WETH, then "
        f"{CONCURRENT_TRADES} trades {CONCURRENCY} at a time;"
    )
    print(
        f"   {WARMUP_TRADES} warm-up trades not counted. Times from the POST's start (client wall clock) to "
        "the"
    )
    print(
        "   trade's timeline steps, and per state from Step Functions' GetExecutionHistory (ms timestamps)."
    )
    print(f"   NOTE: confirmation is polled by a Wait state of TRADEWIND_CONFIRM_POLL_S ({poll} s here), so")
    print("   POST -> confirmed is bounded below by it; POST -> submitted has no Wait on its path.")
    print("   202 -> ExecutionStarted can be negative: the API answers after StartExecution returns, while")
    print("   moto's interpreter thread stamps ExecutionStarted on its own.")
    print("   Lambda tasks run in this process, one invocation at a time across all functions (the local")
    print("   runtime serialises them), sharing the GIL with moto, uvicorn and the pollers: the concurrent")
    print("   run measures that queue, not Lambda's scaling.")
    print_report(measure(cloud))
