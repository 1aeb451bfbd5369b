"""Chain executor function: runs the commands that sign with the service's KMS key (vaults, trades)."""

from __future__ import annotations

from typing import Annotated, Any

from tradewind.coldstart import initialising

with initialising():
    from aws_lambda_powertools.utilities.typing import LambdaContext
    from pydantic import Field, TypeAdapter

    from tradewind.observability import logger, metrics, tracer
    from tradewind.trading.commands import TradeCommand
    from tradewind.trading.factory import build_executor_steps
    from tradewind.vaults.executor import ExecutorSettings, build_deployer, senders
    from tradewind.vaults.models import DeployVaultCommand

    _settings = ExecutorSettings.from_environment()
    _senders = senders(_settings)
    _deployer = build_deployer(_settings, _senders)
    _trades = build_executor_steps(_settings, _senders)
    _commands: TypeAdapter[DeployVaultCommand | TradeCommand] = TypeAdapter(
        Annotated[DeployVaultCommand | TradeCommand, Field(discriminator="kind")]
    )


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Run one command; a retry of the same command finds what the first attempt did and signs nothing new."""
    command = _commands.validate_python({"kind": "deploy_vault", **event})
    if isinstance(command, DeployVaultCommand):
        return _deployer.deploy(command).model_dump(mode="json")
    logger.append_keys(trade_id=command.trade_id, step=command.kind)
    if command.kind == "sign_trade":
        result = _trades.sign(command.user_id, command.trade_id)
    elif command.kind == "broadcast_trade":
        result = _trades.broadcast(command.user_id, command.trade_id)
    else:
        result = _trades.check(command.user_id, command.trade_id)
    return result.model_dump(mode="json")
