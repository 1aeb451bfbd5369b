"""The assistant on the local cloud (issue 6): the offline engine's time per turn, and the model path's
round trips per turn against a scripted OpenAI-compatible server.

Both parts call ``AssistantService.chat`` in process, built by the API's own container from the API
function's environment, so each turn does what ``POST /v1/chat`` does behind the HTTP layer: read the
conversation, parse, answer (tools against moto and anvil), check grounding, store the turn.

The scripted server is ``tests.support.openai_server``, the one the test suite uses: the bench runs
from the repository root, so ``tests`` is importable; it is test support, not part of any deployment.
"""

from __future__ import annotations

import gc
import logging
import secrets
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from unittest import mock

from eth_account import Account
from pydantic import BaseModel, ConfigDict

from bench.api_latency import Deadline
from bench.chain_send import Percentiles, percentiles
from bench.portfolio_market import BenchSetupFailed
from bench.targets import verdict
from localcloud import LocalCloud
from localcloud.market import fund
from tests.support.openai_server import Call, OpenAIServer, Reply, Step, ToolCalls, openai_server

if TYPE_CHECKING:
    from tradewind.api.container import Services
    from tradewind.assistant.service import AssistantService

TIME_LIMIT_S = 60.0  # per part, on the measured loops
CHAIN = "local-l1"
ENGINE_TARGET_MS = 100.0
ROUNDS = 5
WARMUP_ROUNDS = 1
MODEL_ROUNDS = 10
HELD = ("WETH", "USDC", "WBTC", "DAI")
FUNDING_USD = Decimal(20_000)
HISTORY_SYMBOLS = ("ETH", "WETH", "USDC", "WBTC", "DAI", "LINK")
# An hourly series over the last week, a gentle wave around the current price, as the conversation
# suite records: every analysis figure (volatility, trend, drawdown, RSI) exists.
WAVE = (Decimal("0.98"), Decimal("1.01"), Decimal("0.99"), Decimal("1.02"), Decimal("0.97"), Decimal("1.00"))
HISTORY_HOURS = 7 * 24
# One conversation per round, in this order: follow-ups ("and WBTC?", "make it 0.3 instead") read the
# turn before them.
SCRIPT: tuple[str, ...] = (
    "What's my portfolio worth?",
    "balances on local l1",
    "how much WBTC do I have?",
    "price of ETH",
    "and WBTC?",
    "ETH and WBTC prices",
    "analyse ETH",
    "over 24h",
    "how volatile is LINK this month",
    "what should I do?",
    "quote 1 WETH to USDC",
    "make it 0.3 instead",
    "quote 1000 USDC to DAI",
    "swap 0.1 WETH to USDC",
    "send 1 ETH to 0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    "withdraw everything from my vault",
    "tell me a joke",
    "price of DOGE",
    "swap WETH to USDC",
    "what do I hold?",
)
MODEL_NAME = "bench-scripted"
ANSWER = "Here is what I found."


class BenchCheckFailed(RuntimeError):
    """A turn did not go the way the figures assume."""


class TurnTiming(BaseModel):
    """One turn: its wall time and the tools' time, in seconds, and what it did."""

    model_config = ConfigDict(frozen=True)

    message: str
    intent: str | None
    engine: str
    tools: tuple[str, ...]
    failed_tools: int
    ungrounded: int
    total_s: float
    tool_s: float
    model_http_s: float = 0.0
    round_trips: int = 0
    gc_s: float = 0.0

    @property
    def overhead_s(self) -> float:
        """Everything but the tools (and the model's HTTP round trips, on the model path)."""
        return self.total_s - self.tool_s - self.model_http_s


class OfflineReport(BaseModel):
    """The offline part: every measured turn, and how long the part took."""

    model_config = ConfigDict(frozen=True)

    planned: int
    turns: list[TurnTiming]
    elapsed_s: float


class ModelReport(BaseModel):
    """The model part: every measured turn by kind (1, 2 or 3 round trips scripted)."""

    model_config = ConfigDict(frozen=True)

    planned: int
    turns: dict[str, list[TurnTiming]]
    expected_round_trips: dict[str, int]
    elapsed_s: float


class GcClock:
    """How long the cyclic garbage collector has run, from ``gc.callbacks``, while installed.

    The bench's process holds moto's whole state, so a full collection pauses every thread for far
    longer than in the API's own Lambda process (which freezes what its cold start built).
    """

    def __init__(self) -> None:
        self.total_s = 0.0
        self._started: float | None = None

    def __call__(self, phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        elif self._started is not None:
            self.total_s += time.perf_counter() - self._started
            self._started = None

    @contextmanager
    def installed(self) -> Iterator[GcClock]:
        gc.callbacks.append(self)
        try:
            yield self
        finally:
            gc.callbacks.remove(self)


class _Chat:
    """The bench's user and the assistant it talks to; ``turn`` times one message."""

    def __init__(self, assistant: AssistantService, user_id: str, gc_clock: GcClock | None = None) -> None:
        self.assistant = assistant
        self.user_id = user_id
        self.http_s: list[float] = []
        self.gc_clock = gc_clock

    def turn(self, conversation_id: str | None, message: str) -> tuple[str, TurnTiming]:
        http_before = len(self.http_s)
        gc_before = self.gc_clock.total_s if self.gc_clock else 0.0
        began = time.perf_counter()
        reply = self.assistant.chat(self.user_id, conversation_id, message, may_trade=True)
        total_s = time.perf_counter() - began
        gc_s = self.gc_clock.total_s - gc_before if self.gc_clock else 0.0
        _, turns = self.assistant.conversation(self.user_id, reply.conversation_id)
        stored = turns[reply.turn]
        http = self.http_s[http_before:]
        return reply.conversation_id, TurnTiming(
            message=message,
            intent=reply.intent,
            engine=reply.engine,
            tools=tuple(call.name for call in stored.tool_calls),
            failed_tools=sum(not call.ok for call in stored.tool_calls),
            ungrounded=len(reply.grounding.ungrounded),
            total_s=total_s,
            tool_s=sum(call.duration_ms for call in stored.tool_calls) / 1000,
            model_http_s=sum(http),
            round_trips=len(http),
            gc_s=gc_s,
        )


# Setup


def _open_user(services: Services, cloud: LocalCloud) -> str:
    """A fresh user with an active vault on ``CHAIN`` holding ``HELD``, limits wide enough for the run."""
    from tradewind.risk.models import RiskProfile  # noqa: PLC0415 - after the environment is applied
    from tradewind.vaults.models import VaultStatus  # noqa: PLC0415

    run = secrets.token_hex(4)
    user = services.accounts.ensure_user(f"bench-assistant-{run}@example.com", f"bench-password-{run}")
    vault = services.vaults.open(user.id, CHAIN, Account.create().address)
    if vault.status is not VaultStatus.ACTIVE or vault.address is None:
        raise BenchSetupFailed(f"the vault on {CHAIN} did not open: {vault.status} {vault.error}")
    rpc_url = next(chain.rpc_url for chain in cloud.chains if chain.key == CHAIN)
    fund(rpc_url, cloud.manifest(CHAIN), vault.address, FUNDING_USD, HELD)
    profile = RiskProfile(max_trade_usd=Decimal(20_000), max_daily_usd=Decimal(1_000_000))
    services.risk.replace_profile(user.id, profile, None)
    return user.id


def _record_history(services: Services) -> int:
    """A week of hourly prices of ``HISTORY_SYMBOLS`` around the current ones; how many points."""
    from tradewind.clock import utc_now  # noqa: PLC0415
    from tradewind.prices.history import DynamoPriceHistory  # noqa: PLC0415
    from tradewind.prices.models import Price  # noqa: PLC0415

    now = utc_now().replace(minute=0, second=0, microsecond=0)
    current = services.prices().prices(HISTORY_SYMBOLS, partial=True)
    points = [
        Price(
            symbol=price.symbol,
            usd=price.usd * WAVE[hour % len(WAVE)],
            source="bench",
            observed_at=now - timedelta(hours=hour),
        )
        for price in current.values()
        for hour in range(1, HISTORY_HOURS)
    ]
    DynamoPriceHistory().record(points)
    return len(points)


def _services(environ: dict[str, str] | None = None) -> Services:
    from tradewind.api.container import build_services  # noqa: PLC0415 - after the environment is applied
    from tradewind.api.settings import ApiSettings  # noqa: PLC0415

    return build_services(ApiSettings.from_environment(environ))


# The offline engine


def _round(chat: _Chat, deadline: Deadline | None) -> list[TurnTiming]:
    """``SCRIPT`` once, in one new conversation; stops early once ``deadline`` has passed."""
    conversation_id: str | None = None
    timings: list[TurnTiming] = []
    for message in SCRIPT:
        if deadline is not None and deadline.passed:
            break
        conversation_id, timing = chat.turn(conversation_id, message)
        timings.append(timing)
    return timings


def measure_offline(services: Services, user_id: str, gc_clock: GcClock) -> OfflineReport:
    """Unrecorded warm-up rounds (building the services, first imports), then ``ROUNDS`` measured ones."""
    began = time.monotonic()
    chat = _Chat(services.assistant(), user_id, gc_clock)
    for _ in range(WARMUP_ROUNDS):
        _round(chat, None)
    deadline = Deadline(TIME_LIMIT_S)
    turns: list[TurnTiming] = []
    for _ in range(ROUNDS):
        turns += _round(chat, deadline)
    for timing in turns:
        if timing.engine != "offline":
            raise BenchCheckFailed(f"{timing.message!r} was answered by the {timing.engine} engine")
    return OfflineReport(
        planned=ROUNDS * len(SCRIPT), turns=turns, elapsed_s=round(time.monotonic() - began, 1)
    )


# The model path


def _scripts() -> dict[str, tuple[str, Sequence[Step]]]:
    """Typical turns: the message and the model's scripted answers, one per round trip."""
    return {
        "direct answer": ("hello, what can you do?", (Reply(ANSWER),)),
        "one tool, then answer": (
            "what's my portfolio worth?",
            (ToolCalls([Call("get_portfolio", {})]), Reply(ANSWER)),
        ),
        "two tools in sequence": (
            "what is ETH at, and what would 1 WETH get in USDC?",
            (
                ToolCalls([Call("get_prices", {"symbols": ["ETH"]})]),
                ToolCalls([Call("get_quote", {"sell": "WETH", "buy": "USDC", "amount": "1"})]),
                Reply(ANSWER),
            ),
        ),
    }


@contextmanager
def _timed_completions(sink: list[float]) -> Iterator[None]:
    """Each ``chat.completions.create`` call's wall time, appended to ``sink``: the model's round trip
    as the engine sees it (request building, HTTP on loopback, parsing the answer)."""
    from openai.resources.chat.completions import Completions  # noqa: PLC0415

    original = Completions.create

    def timed(self: Completions, *args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            sink.append(time.perf_counter() - began)

    with mock.patch.object(Completions, "create", timed):
        yield


def _model_turn(chat: _Chat, server: OpenAIServer, message: str, steps: Sequence[Step]) -> TurnTiming:
    server.script(*steps)
    _, timing = chat.turn(None, message)
    if timing.engine != "model" or server.pending_steps:
        raise BenchCheckFailed(
            f"{message!r}: engine {timing.engine}, {server.pending_steps} scripted steps left unused"
        )
    return timing


def measure_model(cloud: LocalCloud, user_id: str) -> ModelReport:
    """A second container whose assistant has a model: the scripted server, its key in Secrets Manager."""
    began = time.monotonic()
    api_key = f"sk-bench-{secrets.token_hex(16)}"
    secret_id = f"tradewind/bench/assistant-model-{secrets.token_hex(4)}"
    cloud.aws.client("secretsmanager").create_secret(Name=secret_id, SecretString=api_key)
    scripts = _scripts()
    turns: dict[str, list[TurnTiming]] = {kind: [] for kind in scripts}
    with openai_server(api_key) as server:
        environ = cloud.function_environment() | {
            "TRADEWIND_ASSISTANT_MODEL_BASE_URL": server.base_url,
            "TRADEWIND_ASSISTANT_MODEL_NAME": MODEL_NAME,
            "TRADEWIND_ASSISTANT_MODEL_API_KEY_SECRET_ID": secret_id,
        }
        chat = _Chat(_services(environ).assistant(), user_id)
        with _timed_completions(chat.http_s):
            for message, steps in scripts.values():  # warm-up: the openai client's import, the secret
                _model_turn(chat, server, message, steps)
            deadline = Deadline(TIME_LIMIT_S)
            for _ in range(MODEL_ROUNDS):
                if deadline.passed:
                    break
                for kind, (message, steps) in scripts.items():
                    turns[kind].append(_model_turn(chat, server, message, steps))
    return ModelReport(
        planned=MODEL_ROUNDS * len(scripts),
        turns=turns,
        expected_round_trips={kind: len(steps) for kind, (_, steps) in scripts.items()},
        elapsed_s=round(time.monotonic() - began, 1),
    )


# Printing


def _line(figures: Percentiles, extra: str = "") -> str:
    cut = "  (TRUNCATED by the time limit)" if figures.truncated else ""
    return (
        f"    {figures.label:<34} n={figures.samples:<3} p50 {figures.p50_ms:8.2f} ms  "
        f"p99 {figures.p99_ms:8.2f} ms  max {figures.max_ms:8.2f} ms{extra}{cut}"
    )


def _figures(
    label: str, planned: int, turns: Sequence[TurnTiming], of: Callable[[TurnTiming], float]
) -> Percentiles:
    return percentiles(label, planned, [of(turn) for turn in turns])


def _median_ms(values: Sequence[float]) -> float:
    return statistics.median(values) * 1000 if values else 0.0


def print_offline(report: OfflineReport) -> None:
    """Totals, tools and overhead over every turn, the verdict, then each message's medians."""
    turns = report.turns
    print(
        f"\n  Offline engine: {len(turns)}/{report.planned} turns ({ROUNDS} rounds of the "
        f"{len(SCRIPT)}-message script, {WARMUP_ROUNDS} warm-up round not counted)"
    )
    if not turns:
        return
    total = _figures("total per turn (chat wall time)", report.planned, turns, lambda t: t.total_s)
    tools = _figures("tool time (stored duration_ms)", report.planned, turns, lambda t: t.tool_s)
    overhead = _figures("engine overhead (total - tools)", report.planned, turns, lambda t: t.overhead_s)
    pauses = _figures("of which cyclic GC pauses", report.planned, turns, lambda t: t.gc_s)
    for figures in (total, tools, overhead, pauses):
        print(_line(figures))
    print(f"    engine overhead, {verdict(overhead.p50_ms, overhead.p99_ms, ENGINE_TARGET_MS)}")
    # A pause may fall inside a tool instead: this bounds the overhead the engine's own work costs.
    own = _figures(
        "overhead less GC pauses", report.planned, turns, lambda t: max(0.0, t.overhead_s - t.gc_s)
    )
    print(_line(own))
    failed = sum(t.failed_tools for t in turns)
    ungrounded = sum(t.ungrounded for t in turns)
    print(f"    failed tool calls: {failed}; ungrounded figures flagged: {ungrounded}")
    print("\n    per message, median over the rounds (ms):  total    tools  overhead  (max)  intent -> tools")
    for message in SCRIPT:
        mine = [t for t in turns if t.message == message]
        if not mine:
            continue
        shown = message if len(message) <= 40 else message[:37] + "..."
        print(
            f"    {shown:<40} {_median_ms([t.total_s for t in mine]):8.1f} "
            f"{_median_ms([t.tool_s for t in mine]):8.1f} {_median_ms([t.overhead_s for t in mine]):9.1f} "
            f"{max(t.overhead_s for t in mine) * 1000:6.0f}  "
            f"{mine[0].intent} -> {', '.join(mine[0].tools) or '-'}"
        )
    print(f"\n    (setup excluded; warm-up and measured rounds took {report.elapsed_s:.1f} s)")


def _share(part_s: float, whole_s: float) -> str:
    return f"{part_s / whole_s:5.1%}" if whole_s > 0 else "  n/a"


def print_model(report: ModelReport) -> None:
    """Round trips and latency per kind of turn, and where the time went."""
    every = [turn for kind in report.turns.values() for turn in kind]
    print(
        f"\n  Model path (scripted OpenAI-compatible server on loopback): {len(every)}/{report.planned} "
        f"turns, {MODEL_ROUNDS} rounds of {len(report.turns)} kinds, 1 warm-up round not counted"
    )
    if not every:
        return
    print("    kind                     scripted   mean  max   p50 ms   p99 ms   tools  model HTTP   rest")
    for kind, turns in report.turns.items():
        if not turns:
            continue
        trips = [t.round_trips for t in turns]
        latency = _figures(kind, len(turns), turns, lambda t: t.total_s)
        total = sum(t.total_s for t in turns)
        tool = sum(t.tool_s for t in turns)
        http = sum(t.model_http_s for t in turns)
        print(
            f"    {kind:<24} {report.expected_round_trips[kind]:>8} {statistics.mean(trips):6.2f} "
            f"{max(trips):4d}  {latency.p50_ms:8.2f} {latency.p99_ms:8.2f}   {_share(tool, total)}  "
            f"{_share(http, total):>10}  {_share(total - tool - http, total)}"
        )
    trips = [t.round_trips for t in every]
    total = sum(t.total_s for t in every)
    tool = sum(t.tool_s for t in every)
    http = sum(t.model_http_s for t in every)
    latency = _figures("all model turns", report.planned, every, lambda t: t.total_s)
    print(f"    all kinds: round trips per turn mean {statistics.mean(trips):.2f}, max {max(trips)}")
    print(_line(latency))
    per_trip = percentiles(
        "one model round trip (client side)", report.planned, [t.model_http_s / t.round_trips for t in every]
    )
    print(_line(per_trip, "  (per turn: its HTTP time / its round trips)"))
    rest = _figures("rest (total - tools - model HTTP)", report.planned, every, lambda t: t.overhead_s)
    print(_line(rest))
    print(
        f"    time share over all turns: tools {_share(tool, total).strip()}, model HTTP "
        f"{_share(http, total).strip()}, rest (parse, memory reads/writes, grounding) "
        f"{_share(total - tool - http, total).strip()}"
    )
    failed = sum(t.failed_tools for t in every)
    print(f"    failed tool calls: {failed}; (warm-up and measured turns took {report.elapsed_s:.1f} s)")


def report(cloud: LocalCloud) -> None:
    """Measure and print the assistant section."""
    from tradewind.observability import logger  # noqa: PLC0415 - after the environment is applied

    print(
        f"\n== Assistant on the local cloud (offline engine, then the model path), hard limit "
        f"{TIME_LIMIT_S:.0f} s each"
    )
    print("   AssistantService.chat called in process, built by the API's container from the API function's")
    print("   environment; one user, one vault on local-l1 holding WETH, USDC, WBTC, DAI, a week of hourly")
    print("   prices recorded. Tool time is the sum of the stored turn's tool calls' duration_ms; the rest")
    print("   of a turn (parse, conversation read, grounding, the turn's conditional write, summarising) is")
    print(
        "   the engine's overhead. moto, anvil's clients and the Lambda runtime share this process and GIL."
    )
    logger.setLevel(logging.WARNING)
    began = time.monotonic()
    services = _services()
    user_id = _open_user(services, cloud)
    points = _record_history(services)
    print(f"   setup: user, funded vault and {points} price points in {time.monotonic() - began:.1f} s")
    with GcClock().installed() as gc_clock:
        offline = measure_offline(services, user_id, gc_clock)
    print_offline(offline)
    print_model(measure_model(cloud, user_id))
