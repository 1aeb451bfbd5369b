"""Latency and throughput of API routes under concurrent clients, served by uvicorn on loopback."""

from __future__ import annotations

import random
import socket
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

CHAINS = ("local-l1", "local-l2")
_REQUEST_TIMEOUT_S = 10.0
_STARTUP_TIMEOUT_S = 10.0

# One request: given a client, send it and return the response.
Request = Callable[[httpx.Client], httpx.Response]
# One measured request: seconds taken, and the HTTP status or the transport error's name.
Sample = tuple[float, int | str]


class Plan(BaseModel):
    """A scenario's name and how many requests each client sends: unmeasured warm-up, then measured."""

    model_config = ConfigDict(frozen=True)

    scenario: str
    warmup: int = Field(ge=0)
    measured: int = Field(gt=0)


class Latency(BaseModel):
    """Per-request latency, throughput and errors of one scenario (times in milliseconds)."""

    scenario: str
    clients: int
    requests: int
    errors: int
    error_statuses: dict[str, int]
    p50_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    throughput_rps: float
    wall_s: float
    truncated: bool
    emulator_errors: int = 0


class Deadline:
    """A hard time limit shared by every loop of the benchmark."""

    def __init__(self, seconds: float) -> None:
        self._ends = time.monotonic() + seconds

    @property
    def passed(self) -> bool:
        """Whether the time is up."""
        return time.monotonic() >= self._ends


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
    return port


@contextmanager
def serve(app: FastAPI, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve ``app`` with uvicorn in a background thread; yields its base URL."""
    port = free_port(host)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, name="bench-uvicorn", daemon=True)
    thread.start()
    started = time.monotonic()
    while not server.started:
        if not thread.is_alive() or time.monotonic() - started > _STARTUP_TIMEOUT_S:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=_STARTUP_TIMEOUT_S)


def login_users(base_url: str, count: int) -> list[str]:
    """Register and log in ``count`` fresh users; their access tokens."""
    run_id = random.getrandbits(32)
    tokens: list[str] = []
    with httpx.Client(base_url=base_url, timeout=_REQUEST_TIMEOUT_S) as client:
        for index in range(count):
            credentials = {
                "email": f"bench-{run_id:08x}-{index}@example.com",
                "password": f"bench-password-{index}",
            }
            client.post("/v1/auth/register", json=credentials).raise_for_status()
            response = client.post("/v1/auth/login", json=credentials)
            response.raise_for_status()
            tokens.append(str(response.json()["access_token"]))
    return tokens


def user_id(base_url: str, token: str) -> str:
    """The id of the user ``token`` belongs to."""
    headers = {"Authorization": f"Bearer {token}"}
    response = httpx.get(f"{base_url}/v1/me", headers=headers, timeout=_REQUEST_TIMEOUT_S)
    response.raise_for_status()
    return str(response.json()["id"])


def get_me(client: httpx.Client) -> httpx.Response:
    """GET /v1/me."""
    return client.get("/v1/me")


def post_wallet(client: httpx.Client) -> httpx.Response:
    """POST /v1/wallets with a fresh random lower-case address (valid without a checksum)."""
    address = "0x" + random.randbytes(20).hex()
    return client.post("/v1/wallets", json={"chain": random.choice(CHAINS), "address": address})


def get_prices(client: httpx.Client) -> httpx.Response:
    """GET /v1/market/prices for the market's volatile tokens (served from the price cache when warm)."""
    return client.get("/v1/market/prices", params={"symbols": "ETH,WBTC,LINK"})


def _client_loop(
    client: httpx.Client, request: Request, plan: Plan, deadline: Deadline, sink: list[Sample]
) -> None:
    """Warm up, then send the plan's measured requests, appending (seconds, status) to ``sink``."""
    for _ in range(plan.warmup):
        request(client)
    for _ in range(plan.measured):
        if deadline.passed:
            return
        began = time.perf_counter()
        status: int | str
        try:
            status = request(client).status_code
        except httpx.HTTPError as e:
            status = type(e).__name__
        sink.append((time.perf_counter() - began, status))


def run_load(plan: Plan, base_url: str, tokens: list[str], request: Request, deadline: Deadline) -> Latency:
    """One thread and one ``httpx.Client`` per token, all started together."""
    sinks: list[list[Sample]] = [[] for _ in tokens]
    clients = [
        httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=_REQUEST_TIMEOUT_S
        )
        for token in tokens
    ]
    threads = [
        threading.Thread(target=_client_loop, args=(client, request, plan, deadline, sink))
        for client, sink in zip(clients, sinks, strict=True)
    ]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall_s = time.perf_counter() - began
    for client in clients:
        client.close()
    samples = [sample for sink in sinks for sample in sink]
    return summarize(plan, len(tokens), samples, wall_s)


def getitem_floor(plan: Plan, client: Any, table: str, key: dict[str, Any], deadline: Deadline) -> Latency:
    """Sequential raw DynamoDB GetItem calls through boto3: the floor the API's reads sit on."""
    for _ in range(plan.warmup):
        client.get_item(TableName=table, Key=key)
    samples: list[Sample] = []
    began = time.perf_counter()
    for _ in range(plan.measured):
        if deadline.passed:
            break
        started = time.perf_counter()
        found = "Item" in client.get_item(TableName=table, Key=key)
        samples.append((time.perf_counter() - started, 200 if found else "no item"))
    return summarize(plan, 1, samples, time.perf_counter() - began)


def summarize(plan: Plan, clients: int, samples: list[Sample], wall_s: float) -> Latency:
    """Percentiles over the samples; a status outside 2xx (or a transport error) counts as an error."""
    millis = sorted(seconds * 1000 for seconds, _ in samples) or [0.0]
    errors: dict[str, int] = {}
    for _, status in samples:
        if not (isinstance(status, int) and 200 <= status < 300):
            errors[str(status)] = errors.get(str(status), 0) + 1
    p99 = statistics.quantiles(millis, n=100, method="inclusive")[98] if len(millis) > 1 else millis[0]
    return Latency(
        scenario=plan.scenario,
        clients=clients,
        requests=len(samples),
        errors=sum(errors.values()),
        error_statuses=errors,
        p50_ms=round(statistics.median(millis), 2),
        p99_ms=round(p99, 2),
        mean_ms=round(statistics.fmean(millis), 2),
        max_ms=round(millis[-1], 2),
        throughput_rps=round(len(samples) / wall_s, 1) if wall_s > 0 else 0.0,
        wall_s=round(wall_s, 2),
        truncated=len(samples) < plan.measured * clients,
    )
