"""Chain executor function: runs commands that sign with the service's KMS key (opening vaults)."""

from __future__ import annotations

from typing import Any

from tradewind.coldstart import initialising

with initialising():
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from tradewind.observability import logger, metrics, tracer
    from tradewind.vaults.executor import ExecutorSettings, build_deployer
    from tradewind.vaults.models import DeployVaultCommand

    _deployer = build_deployer(ExecutorSettings.from_environment())


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Deploy one vault; a retry of the same command finds what the first attempt did."""
    vault = _deployer.deploy(DeployVaultCommand.model_validate(event))
    return vault.model_dump(mode="json")
