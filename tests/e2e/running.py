"""`make run` as a subprocess for the end-to-end tests: started on free ports, stopped by a signal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from localcloud.ports import pick_free

REPO = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_S = 120
SCHEDULE_PERIOD_S = 2.0


def free_ports(count: int) -> list[int]:
    ports: set[int] = set()
    while len(ports) < count:
        ports.add(pick_free("127.0.0.1"))
    return sorted(ports)


@dataclass
class RunningSystem:
    """A `python -m localcloud run` process and where it listens."""

    process: subprocess.Popen[str]
    api: str
    ports: dict[str, int]
    summary: str


def start(ports: dict[str, int], work_dir: Path, extra_env: Mapping[str, str] | None = None) -> RunningSystem:
    """Start the system with ``extra_env`` over the test's environment; returns once the API listens."""
    env = {**os.environ, **{f"TRADEWIND_{name}": str(port) for name, port in ports.items()}}
    env["TRADEWIND_WORK_DIR"] = str(work_dir)
    # Local time compressed further than make run's default, so the schedules run within the tests.
    env["TRADEWIND_SCHEDULE_PERIOD_S"] = str(SCHEDULE_PERIOD_S)
    env.update(extra_env or {})
    process = subprocess.Popen(
        [sys.executable, "-m", "localcloud", "run"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        lines.append(line)
        if "Uvicorn running on" in line:
            return RunningSystem(process, f"http://127.0.0.1:{ports['API_PORT']}", ports, "".join(lines))
    process.kill()
    raise AssertionError("make run did not come up:\n" + "".join(lines))


def interrupt(system: RunningSystem, signum: signal.Signals = signal.SIGINT) -> int:
    system.process.send_signal(signum)
    try:
        return system.process.wait(timeout=30)
    finally:
        if system.process.poll() is None:
            os.killpg(system.process.pid, signal.SIGKILL)
