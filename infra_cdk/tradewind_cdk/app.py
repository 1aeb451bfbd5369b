"""Entry point of the CDK app: builds the stack of a stage, with cdk-nag checking every resource."""

from __future__ import annotations

import os
from pathlib import Path

import aws_cdk
from aws_cdk import Aspects
from cdk_nag import AwsSolutionsChecks

from tradewind_cdk.constants import LOCAL_STAGE, STACK_NAME_PREFIX, stack_name
from tradewind_cdk.stack import TradewindStack
from tradewind_cdk.stage import settings_for

__all__ = ["STACK_NAME_PREFIX", "build_app", "synthesize"]

# Context key read by Stack.bundlingRequired; an empty list means "bundle no stack".
BUNDLING_STACKS_CONTEXT = "aws:cdk:bundling-stacks"
DEFAULT_OUTDIR = "cdk.out"


def build_app(
    stage: str = LOCAL_STAGE, outdir: str | None = None, *, bundle_assets: bool = True
) -> aws_cdk.App:
    """The app holding the stack ``Tradewind-<stage>``; without bundling, synth runs offline in seconds."""
    settings = settings_for(stage)
    context: dict[str, object] = {} if bundle_assets else {BUNDLING_STACKS_CONTEXT: []}
    app = aws_cdk.App(outdir=outdir, context=context)
    TradewindStack(
        app,
        stack_name(stage),
        settings=settings,
        description=f"Tradewind DeFi trading assistant ({stage})",
        # No AWS::CDK::Metadata resource: it only reports CDK usage, and the local cloud has no use for it.
        analytics_reporting=False,
    )
    Aspects.of(app).add(AwsSolutionsChecks(verbose=True))
    return app


def synthesize(stage: str, outdir: str | Path) -> Path:
    """Synthesises the stage into ``outdir`` without bundling and returns its template's path."""
    app = build_app(stage, str(outdir), bundle_assets=False)
    assembly = app.synth()
    return Path(assembly.get_stack_by_name(stack_name(stage)).template_full_path)


if __name__ == "__main__":
    # The CDK CLI passes its own output directory; run directly, the app writes to ./cdk.out.
    build_app(
        os.environ.get("TRADEWIND_STAGE", LOCAL_STAGE),
        os.environ.get("CDK_OUTDIR", DEFAULT_OUTDIR),
    ).synth()
