"""The dependencies layer: its pins, and the pip bundler CDK calls back through jsii."""

from __future__ import annotations

import json
import re
import subprocess
from importlib.metadata import distribution
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tradewind_cdk import bundling
from tradewind_cdk.app import build_app
from tradewind_cdk.constants import DEPENDENCIES_LAYER_DIR, REPO_ROOT

_PIN = re.compile(r"^(?P<name>[A-Za-z0-9_.-]+)(\[(?P<extras>[a-z,]+)\])?==(?P<version>\S+)$")
# Shipped by the Lambda Python runtime, so never in the dependencies layer.
_RUNTIME_PROVIDED = {"boto3", "botocore", "s3transfer"}
# Environment markers as the python3.11 x86_64 Lambda runtime evaluates them.
_LAMBDA_MARKERS = {
    "python_version": "3.11",
    "python_full_version": "3.11.0",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
}


def _pin_lines(path: Path) -> list[re.Match[str]]:
    lines = [line.strip() for line in path.read_text().splitlines()]
    matches = [(line, _PIN.match(line)) for line in lines if line and not line.startswith("#")]
    assert all(match for _, match in matches), [line for line, match in matches if not match]
    return [match for _, match in matches if match]


def _pins(path: Path) -> dict[str, str]:
    return {canonicalize_name(match["name"]): match["version"] for match in _pin_lines(path)}


def test_layer_requirements_are_pinned_to_the_lock() -> None:
    # Given the layer's requirements and the project's lock file
    layer = _pins(DEPENDENCIES_LAYER_DIR / "requirements.txt")
    lock = _pins(REPO_ROOT / "requirements.lock")

    # Then every layer pin is the locked version, and the runtime's own boto3 is not shipped again
    assert {name: lock.get(name) for name in layer} == layer
    assert not _RUNTIME_PROVIDED & set(layer)


def test_layer_requirements_pin_everything_they_need() -> None:
    # Given the layer's pins (installed in this venv at the same versions, from the lock)
    pins = _pin_lines(DEPENDENCIES_LAYER_DIR / "requirements.txt")
    pinned = {canonicalize_name(match["name"]) for match in pins}

    # When each pinned distribution's own requirements are evaluated for the Lambda runtime
    missing = set()
    for match in pins:
        extras = (match["extras"] or "").split(",")
        for spec in distribution(match["name"]).requires or []:
            requirement = Requirement(spec)
            needed = requirement.marker is None or any(
                requirement.marker.evaluate({**_LAMBDA_MARKERS, "extra": extra}) for extra in extras
            )
            if needed:
                missing.add(canonicalize_name(requirement.name))

    # Then pip's --no-deps install misses nothing but what the runtime provides
    assert missing - pinned - _RUNTIME_PROVIDED == set()


def test_pip_command_fetches_only_lambda_wheels() -> None:
    # Given the pip arguments of the bundler
    command = bundling.pip_install_command("requirements.txt", "/out/python")

    # Then they select CPython 3.11 manylinux wheels and never build from source
    assert "--only-binary=:all:" in command
    assert "--no-deps" in command
    assert command[command.index("--python-version") + 1] == "3.11"
    platforms = [command[i + 1] for i, arg in enumerate(command) if arg == "--platform"]
    assert platforms == ["manylinux2014_x86_64", "manylinux_2_26_x86_64"]
    assert command[-2:] == ["-t", "/out/python"]


def test_synth_with_bundling_runs_pip_into_the_layer_python_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given pip replaced by a recorder that leaves one file where pip would install
    calls: list[list[str]] = []

    def fake_pip(command: list[str], **_kwargs: Any) -> subprocess.CompletedProcess[bytes]:
        calls.append(command)
        target = Path(command[command.index("-t") + 1])
        target.mkdir(parents=True)
        (target / "installed.py").write_text("VALUE = 1\n")
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(subprocess, "run", fake_pip)

    # When the app is synthesised with bundling on, so CDK calls the local bundler through jsii
    build_app("dev", str(tmp_path)).synth()

    # Then pip ran once for the requirements file, and its output became the layer's python/ dir
    assert len(calls) == 1
    assert calls[0][calls[0].index("-r") + 1] == str(DEPENDENCIES_LAYER_DIR / "requirements.txt")
    assets = json.loads((tmp_path / "Tradewind-dev.assets.json").read_text())["files"].values()
    layers = [tmp_path / a["source"]["path"] / "python" for a in assets]
    dependencies = next(path for path in layers if (path / "installed.py").is_file())
    shared = next(path for path in layers if (path / "tradewind" / "__init__.py").is_file())
    # And both layers carry bytecode Python trusts without checking source mtimes (read-only /opt)
    assert _pyc_flags(dependencies / "__pycache__" / "installed.cpython-311.pyc") == _UNCHECKED_HASH
    assert _pyc_flags(shared / "tradewind" / "__pycache__" / "config.cpython-311.pyc") == _UNCHECKED_HASH
    # And the shared layer holds the package only, not the dependencies folder
    assert not (shared.parent / "dependencies").exists()


# PEP 552: bit 0 of the pyc flags word marks a hash-based pyc, bit 1 asks to check the source.
_UNCHECKED_HASH = 0b01


def _pyc_flags(pyc: Path) -> int:
    return int.from_bytes(pyc.read_bytes()[4:8], "little")
