"""Builds the third-party dependencies layer with the local pip, so a deploy needs no Docker."""

from __future__ import annotations

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
        return True
