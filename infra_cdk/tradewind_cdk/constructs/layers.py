"""The two Lambda layers every function uses: the shared ``tradewind`` package and its dependencies."""

from __future__ import annotations

import shlex

from aws_cdk import BundlingOptions, IgnoreMode
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from tradewind_cdk.bundling import PipLayerBundling, SharedCodeBundling, compile_command, pip_install_command
from tradewind_cdk.constants import (
    ASSET_EXCLUDES,
    DEPENDENCIES_LAYER_DIR,
    DEPENDENCIES_REQUIREMENTS,
    SHARED_LAYER_DIR,
)
from tradewind_cdk.stage import StageSettings

RUNTIME = lambda_.Runtime.PYTHON_3_11
ARCHITECTURE = lambda_.Architecture.X86_64
_COMPILE_OUTPUT = compile_command("/asset-output/python")


def _shell(*commands: list[str]) -> list[str]:
    """One container command running ``commands`` in order, stopping at the first failure."""
    return ["bash", "-c", " && ".join(shlex.join(command) for command in commands)]


class SharedLayers(Construct):
    """The shared code layer and the pinned third-party dependencies layer."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: StageSettings) -> None:
        super().__init__(scope, construct_id)
        self.shared_code = lambda_.LayerVersion(
            self,
            "SharedCode",
            description=f"tradewind shared package ({settings.name})",
            # The asset root is `layers/`, so the zip holds python/tradewind/... as Lambda expects.
            code=lambda_.Code.from_asset(
                str(SHARED_LAYER_DIR),
                exclude=[f"/{DEPENDENCIES_LAYER_DIR.name}/", *ASSET_EXCLUDES],
                ignore_mode=IgnoreMode.GIT,
                bundling=BundlingOptions(
                    # Required by the API; the local bundler always answers first.
                    image=RUNTIME.bundling_image,
                    command=_shell(["cp", "-r", "/asset-input/python", "/asset-output/"], _COMPILE_OUTPUT),
                    local=SharedCodeBundling(SHARED_LAYER_DIR / "python"),
                ),
            ),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            removal_policy=settings.removal_policy,
        )
        self.dependencies = lambda_.LayerVersion(
            self,
            "Dependencies",
            description=f"tradewind third-party dependencies ({settings.name})",
            code=lambda_.Code.from_asset(
                str(DEPENDENCIES_LAYER_DIR),
                bundling=BundlingOptions(
                    # Required by the API; the local pip bundler always answers first.
                    image=RUNTIME.bundling_image,
                    command=_shell(
                        pip_install_command(DEPENDENCIES_REQUIREMENTS, "/asset-output/python"),
                        _COMPILE_OUTPUT,
                    ),
                    local=PipLayerBundling(DEPENDENCIES_LAYER_DIR / DEPENDENCIES_REQUIREMENTS),
                ),
            ),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
            removal_policy=settings.removal_policy,
        )

    @property
    def all(self) -> list[lambda_.ILayerVersion]:
        """Both layers, in the order functions attach them."""
        return [self.shared_code, self.dependencies]
