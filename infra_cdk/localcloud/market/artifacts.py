"""Contract artifacts: Uniswap and WETH9 from npm, our own market contracts built by forge."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from localcloud.market.errors import MarketDeployFailed

_REPO_ROOT = Path(__file__).resolve().parents[3]
_NODE_MODULES = _REPO_ROOT / "node_modules"
_CONTRACTS = _REPO_ROOT / "contracts"
# The market contracts, and the factory the service creates trading vaults with (it builds TradingVault).
_SOURCES = ("src/market", "src/TradingVaultFactory.sol")
_ARCH = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}
# solc-js only reads sources under the project root, so forge-test.sh links the libraries into
# contracts/lib; the same links, relative to contracts/lib, for a build without that script.
_LIB_LINKS = {
    "forge-std": "../../node_modules/@layerzerolabs/toolbox-foundry/lib/forge-std",
    "openzeppelin-contracts": "../../node_modules/@openzeppelin/contracts",
}


@dataclass(frozen=True)
class Artifact:
    """What deployment needs from a compiled contract."""

    name: str
    abi: list[dict[str, Any]]
    bytecode: str


def weth9() -> Artifact:
    """WETH9 as Uniswap V2 periphery shipped it."""
    data = _read_json(_NODE_MODULES / "@uniswap/v2-periphery/build/WETH9.json")
    return Artifact(name="WETH9", abi=data["abi"], bytecode=_hex(data["bytecode"]))


def uniswap_v3_core(name: str) -> Artifact:
    """A Uniswap V3 core contract (``UniswapV3Factory``, ``UniswapV3Pool``) from its hardhat artifact."""
    return _hardhat(_NODE_MODULES / f"@uniswap/v3-core/artifacts/contracts/{name}.sol/{name}.json")


def uniswap_v3_periphery(source: str, name: str) -> Artifact:
    """A Uniswap V3 periphery contract; ``source`` is its path under contracts/ without ``.sol``."""
    return _hardhat(_NODE_MODULES / f"@uniswap/v3-periphery/artifacts/contracts/{source}.sol/{name}.json")


def market(name: str) -> Artifact:
    """One of our contracts (``TestToken``, ``YieldVault``, ``TradingVaultFactory``...) from contracts/out."""
    data = _read_json(_CONTRACTS / "out" / f"{name}.sol" / f"{name}.json")
    return Artifact(name=name, abi=data["abi"], bytecode=_hex(data["bytecode"]["object"]))


def build_market_contracts() -> None:
    """Compile contracts/src/market and the vault factory with the pinned forge; a cached repeat is ~0.1 s."""
    forge = _NODE_MODULES / "@foundry-rs" / f"forge-{_platform()}" / "bin" / "forge"
    if not forge.exists():
        raise MarketDeployFailed(f"{forge} not found; run 'npm ci' at the repository root")
    lib = _CONTRACTS / "lib"
    lib.mkdir(exist_ok=True)
    for name, target in _LIB_LINKS.items():
        if not (lib / name).is_symlink():
            os.symlink(target, lib / name)
    result = subprocess.run(  # noqa: S603 - fixed binary, fixed arguments
        [str(forge), "build", *_SOURCES],
        cwd=_CONTRACTS,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise MarketDeployFailed(f"forge build failed:\n{result.stdout}{result.stderr}")


def _hardhat(path: Path) -> Artifact:
    data = _read_json(path)
    if data.get("linkReferences"):
        raise MarketDeployFailed(f"{path.name} needs linked libraries")
    return Artifact(name=path.stem, abi=data["abi"], bytecode=_hex(data["bytecode"]))


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise MarketDeployFailed(f"artifact {path} not found") from e
    return data


def _hex(bytecode: str) -> str:
    return bytecode if bytecode.startswith("0x") else f"0x{bytecode}"


def _platform() -> str:
    """``linux-amd64`` and the like: the suffix of the npm package holding the native binary."""
    return f"{platform.system().lower()}-{_ARCH.get(platform.machine(), platform.machine())}"
