"""Builds both layers on this machine, so a deploy needs no Docker, and ships them compiled.

Lambda's /opt is read-only: without bytecode in the layer, every cold start compiles every
module again. The layers therefore carry .pyc files in unchecked-hash mode (PEP 552), which
Python uses whatever mtimes the zip gives the sources.
"""

from __future__ import annotations

import compileall
import py_compile
import shutil
import subprocess
import sys
from pathlib import Path

import jsii
from aws_cdk import ILocalBundling

from tradewind_cdk.constants import LAMBDA_PLATFORMS, PYTHON_VERSION


def pip_install_command(requirements: Path | str, target: Path | str) -> list[str]:
    """pip arguments that fetch Lambda-compatible wheels for the pinned requirements into ``target``."""
    return [
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",
        # Wheels for Lambda's platform, never sdists built for this machine.
        *(arg for platform in LAMBDA_PLATFORMS for arg in ("--platform", platform)),
        "--implementation",
        "cp",
        "--python-version",
        PYTHON_VERSION,
        "--only-binary=:all:",
        # requirements.txt pins the whole closure; without this pip would add botocore (pynamodb
        # declares it, the runtime provides it) unpinned, shadowing the runtime's boto3 pair.
        "--no-deps",
        "-r",
        str(requirements),
        "-t",
        str(target),
    ]


def compile_command(directory: str) -> list[str]:
    """The same compilation as ``compile_bytecode``, as a command for a bundling container."""
    return ["python", "-m", "compileall", "-q", "--invalidation-mode", "unchecked-hash", directory]


def compile_bytecode(directory: Path) -> None:
    """Write unchecked-hash .pyc files for every module under ``directory``.

    Only when this interpreter is the runtime's version: bytecode of another version would never
    be loaded there.
    """
    if f"{sys.version_info.major}.{sys.version_info.minor}" != PYTHON_VERSION:
        return
    compiled = compileall.compile_dir(
        directory, quiet=1, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH
    )
    if not compiled:
        raise RuntimeError(f"compiling {directory} failed")


@jsii.implements(ILocalBundling)
class PipLayerBundling:
    """Installs ``requirements.txt`` into ``<output>/python``, the layer path Lambda puts on sys.path."""

    def __init__(self, requirements: Path) -> None:
        self._requirements = requirements

    # jsii hands over the BundlingOptions struct as well; pip needs none of it.
    def try_bundle(self, output_dir: str, *_options: object, **_named_options: object) -> bool:
        """Runs pip with the interpreter running the synth; a pip failure fails the synth."""
        command = [
            sys.executable,
            "-m",
            *pip_install_command(self._requirements, Path(output_dir) / "python"),
        ]
        subprocess.run(command, check=True)  # noqa: S603 - fixed arguments, no shell
        compile_bytecode(Path(output_dir) / "python")
        return True


@jsii.implements(ILocalBundling)
class SharedCodeBundling:
    """Copies the shared package's ``python/`` tree into the layer and compiles it."""

    def __init__(self, source: Path) -> None:
        self._source = source

    def try_bundle(self, output_dir: str, *_options: object, **_named_options: object) -> bool:
        """Copy without caches or stray bytecode, then compile for the runtime."""
        target = Path(output_dir) / "python"
        shutil.copytree(self._source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        compile_bytecode(target)
        return True
