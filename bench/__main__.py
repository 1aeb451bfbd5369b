"""``python -m bench``: import times, API latency, chain sending, portfolio reads, the trade flow and the
assistant on the local cloud, printed to stdout. ``python -m bench assistant`` (any of ``SECTIONS``) runs
only the sections named."""

from __future__ import annotations

import logging
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench import api_latency, assistant, chain_send, emulator_errors, import_times, portfolio, trades
from bench.api_latency import Deadline, Latency, Plan, Request, get_me, get_prices, post_wallet
from bench.emulator_errors import EmulatorErrors
from bench.import_times import ImportTime, Skipped
from bench.targets import verdict
from localcloud import LocalCloud, LocalCloudConfig

IMPORT_RUNS = 7
API_IMPORT_TARGET_MS = 300.0
PRICES_TARGET_MS = 50.0
CLIENTS = 16
WARMUP = 5
PER_CLIENT = 100
SEQUENTIAL = 200
# Writes are fewer: moto's TransactWriteItems costs O(table size), see the note the report prints.
SEQUENTIAL_WRITES = 50
WRITES_PER_CLIENT = 10
LOAD_TIME_LIMIT_S = 120.0


def _machine() -> str:
    return (
        f"machine: {os.cpu_count()} CPUs, {platform.machine()}, {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()} ({sys.executable})"
    )


def _import_line(figures: ImportTime | Skipped) -> str:
    if isinstance(figures, Skipped):
        return f"  {figures.module:<32} skipped: {figures.reason}"
    return (
        f"  {figures.module:<32} median {figures.median_ms:7.1f} ms   "
        f"min {figures.min_ms:7.1f} ms   max {figures.max_ms:7.1f} ms   ({figures.runs} runs)"
    )


# Each function's handler imports with its own deployed environment (stack output of its name).
FUNCTION_OUTPUTS = {
    "api": "ApiFunctionName",
    "chain_executor": "ChainExecutorFunctionName",
    "sync_planner": "SyncPlannerFunctionName",
    "portfolio_sync": "PortfolioSyncFunctionName",
    "price_recorder": "PriceRecorderFunctionName",
    "trade_flow": "TradeFlowFunctionName",
}


def _report_imports(cloud: LocalCloud) -> None:
    print(f"\n== Cold import time, fresh interpreter per run ({IMPORT_RUNS} runs after 1 unrecorded one)")
    print("   timed inside the interpreter around the import; interpreter start-up not included")
    print("   environment: each function's deployed one, read from the local cloud\n")
    api: ImportTime | None = None
    for function_dir in import_times.handler_dirs():
        env = cloud.function_environment(FUNCTION_OUTPUTS[function_dir.name])
        figures = import_times.measure(function_dir, env, IMPORT_RUNS)
        print(_import_line(figures))
        watched = ", ".join(import_times.FORBIDDEN_AT_IMPORT)
        loaded = ", ".join(figures.loaded_forbidden) or "none"
        # Only the API must stay light; the executor signs and sends, web3 is its job.
        verdict = ("OK" if not figures.loaded_forbidden else "FAIL") if function_dir.name == "api" else "info"
        print(f"  {'':<32} loaded at import among [{watched}]: {loaded} -> {verdict}")
        if function_dir.name == "api":
            api = figures
            met = "MET" if figures.median_ms <= API_IMPORT_TARGET_MS else "NOT MET"
            print(f"  {'':<32} target: median <= {API_IMPORT_TARGET_MS:.0f} ms on this machine -> {met}")
    print("\n  Libraries alone (the floor under a handler that imports them):")
    libraries = import_times.measure_libraries(IMPORT_RUNS)
    for library in libraries:
        print(_import_line(library))
    stack = next(lib for lib in libraries if isinstance(lib, ImportTime) and lib.module == "bench.api_stack")
    if api is not None:
        print(
            f"\n  API handler / its library stack alone: {api.median_ms / stack.median_ms:.2f}x "
            f"({api.median_ms - stack.median_ms:.0f} ms is Tradewind's own code and the rest of its imports)"
        )


def _latency_line(figures: Latency) -> str:
    errors = f"{figures.errors}" + (f" {figures.error_statuses}" if figures.errors else "")
    if figures.emulator_errors:
        errors += f" (emulator 500s: {figures.emulator_errors})"
    cut = "  (TRUNCATED by the time limit)" if figures.truncated else ""
    return (
        f"  {figures.scenario:<34} {figures.clients:>2} clients  n={figures.requests:<5} "
        f"p50 {figures.p50_ms:7.2f} ms  p99 {figures.p99_ms:7.2f} ms  max {figures.max_ms:7.2f} ms  "
        f"{figures.throughput_rps:7.1f} req/s  errors {errors}{cut}"
    )


def _ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:.1f}x" if denominator > 0 else "n/a"


def _scenarios(tokens: list[str]) -> list[tuple[Plan, list[str], Request]]:
    """What runs against the API, in order; each sequential baseline before its concurrent run."""
    return [
        (Plan(scenario="GET /v1/me (sequential)", warmup=WARMUP, measured=SEQUENTIAL), tokens[:1], get_me),
        (Plan(scenario="GET /v1/me", warmup=WARMUP, measured=PER_CLIENT), tokens, get_me),
        (
            Plan(scenario="POST /v1/wallets (sequential)", warmup=WARMUP, measured=SEQUENTIAL_WRITES),
            tokens[:1],
            post_wallet,
        ),
        (Plan(scenario="POST /v1/wallets", warmup=WARMUP, measured=WRITES_PER_CLIENT), tokens, post_wallet),
        (Plan(scenario="GET /v1/market/prices", warmup=WARMUP, measured=PER_CLIENT), tokens, get_prices),
    ]


def _measure_api(cloud: LocalCloud, deadline: Deadline, errors: EmulatorErrors) -> list[Latency]:
    """The raw GetItem floor, then every scenario; each tagged with the emulator errors it caused."""
    from tradewind.api.app import create_app  # noqa: PLC0415 - after the environment is applied
    from tradewind.observability import logger  # noqa: PLC0415

    logger.setLevel(logging.WARNING)  # the API logs each registration at INFO; keep the report readable
    results: list[Latency] = []
    with api_latency.serve(create_app()) as base_url:
        tokens = api_latency.login_users(base_url, CLIENTS)
        key = {"pk": {"S": f"USER#{api_latency.user_id(base_url, tokens[0])}"}, "sk": {"S": "PROFILE"}}
        floor_plan = Plan(scenario="DynamoDB GetItem (boto3, sequential)", warmup=WARMUP, measured=SEQUENTIAL)
        before = errors.total
        floor = api_latency.getitem_floor(
            floor_plan, cloud.aws.client("dynamodb"), _table(cloud), key, deadline
        )
        results.append(floor.model_copy(update={"emulator_errors": errors.total - before}))
        for plan, clients, request in _scenarios(tokens):
            before = errors.total
            figures = api_latency.run_load(plan, base_url, clients, request, deadline)
            results.append(figures.model_copy(update={"emulator_errors": errors.total - before}))
    return results


def _table(cloud: LocalCloud) -> str:
    return cloud.deployment.outputs["AccountsTableName"]


def _report_latency(cloud: LocalCloud) -> None:
    print(f"\n== API latency on the local cloud, uvicorn on loopback, hard limit {LOAD_TIME_LIMIT_S:.0f} s")
    print(f"   {CLIENTS} concurrent clients (threads, one httpx.Client each); {WARMUP} warm-up requests per")
    print(
        "   client not counted; time.perf_counter per request; non-2xx and transport errors count as errors."
    )
    print("   NOTE: the emulator (moto) runs in this same process as the API and the load clients, so they")
    print("   compete for one GIL and these CPUs; on AWS, API Gateway/Lambda and DynamoDB are separate.\n")
    with (
        emulator_errors.counted() as errors,
        emulator_errors.counted(emulator_errors.POOL_LOGGER, logging.WARNING) as pool_warnings,
    ):
        results = _measure_api(cloud, Deadline(LOAD_TIME_LIMIT_S), errors)
    for figures in results:
        print(_latency_line(figures))
    by_name = {figures.scenario: figures for figures in results}
    floor = by_name["DynamoDB GetItem (boto3, sequential)"]
    seq_me, me = by_name["GET /v1/me (sequential)"], by_name["GET /v1/me"]
    seq_post, post = by_name["POST /v1/wallets (sequential)"], by_name["POST /v1/wallets"]
    prices = by_name["GET /v1/market/prices"]
    ratios = [
        ("GET /v1/me sequential p50 / raw GetItem p50", seq_me.p50_ms, floor.p50_ms),
        (f"GET /v1/me {CLIENTS} clients p50 / sequential p50", me.p50_ms, seq_me.p50_ms),
        (f"GET /v1/me {CLIENTS} clients p99 / sequential p99", me.p99_ms, seq_me.p99_ms),
        (f"GET /v1/me {CLIENTS} clients req/s / sequential req/s", me.throughput_rps, seq_me.throughput_rps),
        ("POST /v1/wallets sequential p50 / raw GetItem p50", seq_post.p50_ms, floor.p50_ms),
        (f"POST /v1/wallets {CLIENTS} clients p50 / sequential p50", post.p50_ms, seq_post.p50_ms),
        (f"GET /v1/market/prices {CLIENTS} clients p50 / GET /v1/me p50", prices.p50_ms, me.p50_ms),
    ]
    print("\n  Ratios:")
    for label, numerator, denominator in ratios:
        print(f"    {label:<52} {_ratio(numerator, denominator)}")
    target = verdict(prices.p50_ms, prices.p99_ms, PRICES_TARGET_MS)
    print(f"\n  GET /v1/market/prices, {CLIENTS} clients: {target}")
    if errors.by_kind:
        print(
            "\n  Emulator errors (HTTP 500 inside moto; botocore retries them, so a client may not see them):"
        )
        for kind, count in errors.by_kind.most_common():
            print(f"    {count:>5} x {kind}")
    for kind, count in pool_warnings.by_kind.most_common():
        print(f"\n  urllib3 warned {count} x: {kind}")
        print("  (boto3/PynamoDB clients keep 10 connections by default; more threads than that reconnect)")
    items = cloud.aws.client("dynamodb").scan(TableName=_table(cloud), Select="COUNT")["Count"]
    print(f"\n  accounts table holds {items} items after the run (moto copies the whole table on every")
    print("  TransactWriteItems, so the cost of a write here grows with the table; DynamoDB's does not)")


SECTIONS: dict[str, Callable[[LocalCloud], None]] = {
    "imports": _report_imports,
    "latency": _report_latency,
    "chain_send": chain_send.report,
    "portfolio": portfolio.report,
    "trades": trades.report,
    "assistant": assistant.report,
}


def main(argv: list[str] | None = None) -> int:
    """Start the local cloud, measure, print; stops by itself. Section names given pick those alone."""
    chosen = sys.argv[1:] if argv is None else argv
    unknown = sorted(set(chosen) - set(SECTIONS))
    if unknown:
        print(f"unknown section(s) {', '.join(unknown)}; known: {', '.join(SECTIONS)}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING)
    began = time.monotonic()
    print("Tradewind benchmarks")
    print(_machine())
    with tempfile.TemporaryDirectory(prefix="tradewind-bench-") as work_dir:
        config = LocalCloudConfig(aws_port=0, l1_port=0, l2_port=0, work_dir=Path(work_dir))
        with LocalCloud(config) as cloud:
            print(f"local cloud up in {time.monotonic() - began:.1f} s ({cloud.timings.model_dump()})")
            os.environ.update(cloud.function_environment())
            for name, section in SECTIONS.items():
                if not chosen or name in chosen:
                    section(cloud)
    print(f"\ntotal: {time.monotonic() - began:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
