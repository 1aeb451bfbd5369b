"""Local EVM chains: real anvil nodes, each in its own process group."""

from __future__ import annotations

import contextlib
import os
import platform
import signal
import subprocess
import time
from pathlib import Path

import httpx
from pydantic import BaseModel, ConfigDict

from localcloud.errors import ChainStartFailed, LocalCloudError

_REPO_ROOT = Path(__file__).resolve().parents[2]
_ARCH = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


def default_anvil_path() -> Path:
    """The anvil binary npm installed for this platform (the binary, not the node wrapper)."""
    system = platform.system().lower()
    arch = _ARCH.get(platform.machine(), platform.machine())
    return _REPO_ROOT / "node_modules" / "@foundry-rs" / f"anvil-{system}-{arch}" / "bin" / "anvil"


class ChainSpec(BaseModel):
    """What to start: one anvil node."""

    model_config = ConfigDict(frozen=True)

    key: str
    name: str
    chain_id: int
    port: int
    block_time_s: float | None = None


class LocalChain(BaseModel):
    """A running local chain as the rest of the system sees it."""

    model_config = ConfigDict(frozen=True)

    key: str
    name: str
    chain_id: int
    rpc_url: str
    port: int


class AnvilNode:
    """One anvil process; ``stop`` ends its whole process group."""

    def __init__(self, spec: ChainSpec, host: str, anvil_path: Path) -> None:
        self.spec = spec
        self.chain = LocalChain(
            key=spec.key,
            name=spec.name,
            chain_id=spec.chain_id,
            rpc_url=f"http://{host}:{spec.port}",
            port=spec.port,
        )
        self._host = host
        self._anvil_path = anvil_path
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        """The anvil process id (also its process group id), while it runs."""
        return self._process.pid if self._process else None

    def start(self, ready_timeout_s: float = 15.0) -> None:
        """Start anvil and return once it answers ``eth_chainId`` with the expected id."""
        command = [str(self._anvil_path), "--host", self._host, "--port", str(self.spec.port)]
        command += ["--chain-id", str(self.spec.chain_id), "--silent"]
        if self.spec.block_time_s is not None:
            command += ["--block-time", str(self.spec.block_time_s)]
        # start_new_session: anvil leads its own process group, so stop() reaches every child.
        self._process = subprocess.Popen(  # noqa: S603 - fixed binary, arguments built above
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, start_new_session=True
        )
        self._wait_ready(ready_timeout_s)

    def _wait_ready(self, timeout_s: float) -> None:
        if self._process is None:
            raise ChainStartFailed(f"anvil for {self.spec.key} was not started")
        deadline = time.monotonic() + timeout_s
        request = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
        with httpx.Client(timeout=1.0) as client:
            while time.monotonic() < deadline:
                if self._process.poll() is not None:
                    raise ChainStartFailed(
                        f"anvil for {self.spec.key} exited with code {self._process.returncode}"
                    )
                try:
                    answer = client.post(self.chain.rpc_url, json=request).json()
                except httpx.HTTPError:
                    time.sleep(0.05)
                    continue
                if int(answer["result"], 16) != self.spec.chain_id:
                    raise ChainStartFailed(f"{self.chain.rpc_url} answered chain id {answer['result']}")
                return
        raise ChainStartFailed(f"anvil for {self.spec.key} did not answer within {timeout_s} s")

    def stop(self, timeout_s: float = 5.0) -> None:
        """Terminate the process group and wait for anvil; safe to call twice."""
        process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def set_balance(rpc_url: str, address: str, wei: int) -> None:
    """Give ``address`` exactly ``wei`` of the native coin (anvil_setBalance)."""
    answer = httpx.post(
        rpc_url,
        json={"jsonrpc": "2.0", "id": 1, "method": "anvil_setBalance", "params": [address, hex(wei)]},
        timeout=10,
    )
    body = answer.raise_for_status().json()
    if "error" in body:
        raise LocalCloudError(f"anvil_setBalance failed at {rpc_url}: {body['error']}")
