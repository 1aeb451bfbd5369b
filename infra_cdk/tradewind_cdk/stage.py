"""What differs between the local, dev and prod deployments."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import RemovalPolicy
from aws_cdk import aws_logs as logs

from tradewind_cdk.constants import LOCAL_CHAINS, LOCAL_STAGE, PRODUCTION_STAGE, PUBLIC_CHAINS, STAGES


@dataclass(frozen=True)
class StageSettings:
    """Per-stage choices every construct reads instead of comparing stage names itself."""

    name: str
    removal_policy: RemovalPolicy
    log_retention: logs.RetentionDays
    log_level: str
    active_chains: tuple[str, ...]

    @property
    def is_production(self) -> bool:
        """Whether data and keys must survive a stack deletion."""
        return self.name == PRODUCTION_STAGE


def settings_for(stage: str) -> StageSettings:
    """The settings of a known stage; raises ValueError for any other name."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; expected one of {', '.join(STAGES)}")
    production = stage == PRODUCTION_STAGE
    return StageSettings(
        name=stage,
        removal_policy=RemovalPolicy.RETAIN if production else RemovalPolicy.DESTROY,
        log_retention=logs.RetentionDays.ONE_YEAR if production else logs.RetentionDays.ONE_MONTH,
        log_level="DEBUG" if stage == LOCAL_STAGE else "INFO",
        active_chains=LOCAL_CHAINS if stage == LOCAL_STAGE else PUBLIC_CHAINS,
    )
