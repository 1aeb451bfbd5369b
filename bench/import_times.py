"""Cold import time of every function's handler module, each in a fresh interpreter."""

from __future__ import annotations

import importlib.util
import json
import os
import statistics
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel

REPO_ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = REPO_ROOT / "functions"
HEAVY_LIBRARIES = (
    "fastapi",
    "boto3",
    "aws_xray_sdk.core",
    "pynamodb.models",
    "web3",
    "openai",
    "bench.api_stack",
)
# Modules a handler that does not use them must not load at import (cold start).
FORBIDDEN_AT_IMPORT = ("web3", "openai", "httpx")
_TIMEOUT_S = 60.0
# Timed inside the interpreter: interpreter start-up is not counted, only the import itself.
_PROBE = """
import importlib, json, sys, time
watched = sys.argv[2].split(",")
began = time.perf_counter()
importlib.import_module(sys.argv[1])
elapsed_ms = (time.perf_counter() - began) * 1000
print(json.dumps({"ms": elapsed_ms, "loaded": [name for name in watched if name in sys.modules]}))
"""


class ImportTime(BaseModel):
    """Cold import figures of one module, in milliseconds, over fresh interpreters."""

    module: str
    runs: int
    median_ms: float
    min_ms: float
    max_ms: float
    loaded_forbidden: list[str]


class Skipped(BaseModel):
    """A module that could not be measured, and why."""

    module: str
    reason: str


def _with_bytecode(env: dict[str, str]) -> dict[str, str]:
    """Let the unrecorded first run write .pyc files, as the deployed layers ship them compiled."""
    return {name: value for name, value in env.items() if name != "PYTHONDONTWRITEBYTECODE"}


def _probe_once(module: str, cwd: Path, env: Mapping[str, str]) -> tuple[float, list[str]]:
    completed = subprocess.run(  # noqa: S603 - our own interpreter and a constant probe
        [sys.executable, "-c", _PROBE, module, ",".join(FORBIDDEN_AT_IMPORT)],
        cwd=cwd,
        env=_with_bytecode({**os.environ, **env}),
        capture_output=True,
        text=True,
        check=True,
        timeout=_TIMEOUT_S,
    )
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    return float(result["ms"]), list(result["loaded"])


def measure_module(module: str, cwd: Path, env: Mapping[str, str], runs: int) -> ImportTime:
    """Import ``module`` in ``runs`` fresh interpreters (after one unrecorded run that writes .pyc files)."""
    _probe_once(module, cwd, env)
    samples: list[float] = []
    loaded: set[str] = set()
    for _ in range(runs):
        elapsed_ms, forbidden = _probe_once(module, cwd, env)
        samples.append(elapsed_ms)
        loaded.update(forbidden)
    return ImportTime(
        module=module,
        runs=runs,
        median_ms=round(statistics.median(samples), 1),
        min_ms=round(min(samples), 1),
        max_ms=round(max(samples), 1),
        loaded_forbidden=sorted(loaded),
    )


def measure(function_dir: Path, env: Mapping[str, str], runs: int) -> ImportTime:
    """Import ``handler`` from ``function_dir`` in ``runs`` fresh interpreters."""
    figures = measure_module("handler", function_dir, env, runs)
    return figures.model_copy(update={"module": f"functions/{function_dir.name}/handler"})


def measure_libraries(runs: int) -> list[ImportTime | Skipped]:
    """The heavy third-party libraries alone: the floor under any handler that needs them."""
    results: list[ImportTime | Skipped] = []
    for module in HEAVY_LIBRARIES:
        if importlib.util.find_spec(module.split(".")[0]) is None:
            results.append(Skipped(module=module, reason="not installed"))
        else:
            results.append(measure_module(module, REPO_ROOT, {}, runs))
    return results


def handler_dirs() -> list[Path]:
    """Every function folder that has a handler module."""
    return sorted(path.parent for path in FUNCTIONS_DIR.glob("*/handler.py"))
