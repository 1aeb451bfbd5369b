"""Chain executor function: runs the commands that sign with the service's KMS key (vaults, trades)."""

from __future__ import annotations

from typing import Annotated, Any

from tradewind.coldstart import initialising

with initialising():
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )
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
    # Keyed on the step and the trade: a retried Sign or Broadcast returns the first answer without
    # touching the chain (the sender's record per trade would also prevent a second transaction).
    _once = IdempotencyConfig(event_key_jmespath="[kind, trade_id]", expires_after_seconds=24 * 3600)
    _store = DynamoDBPersistenceLayer(table_name=_settings.idempotency_table)


@idempotent_function(data_keyword_argument="command", config=_once, persistence_store=_store)  # type: ignore[untyped-decorator]
def _sign_or_broadcast(command: dict[str, Any]) -> dict[str, Any]:
    trade = TradeCommand.model_validate(command)
    steps = _trades.sign if trade.kind == "sign_trade" else _trades.broadcast
    return steps(trade.user_id, trade.trade_id).model_dump(mode="json")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Run one command; a retry of the same command finds what the first attempt did and signs nothing new."""
    command = _commands.validate_python({"kind": "deploy_vault", **event})
    if isinstance(command, DeployVaultCommand):
        return _deployer.deploy(command).model_dump(mode="json")
    logger.append_keys(trade_id=command.trade_id, step=command.kind)
    if command.kind == "check_trade":
        # Each check is a new look at the chain: never answered from a store.
        return _trades.check(command.user_id, command.trade_id).model_dump(mode="json")
    _once.register_lambda_context(context)
    result: dict[str, Any] = _sign_or_broadcast(command=command.model_dump(mode="json"))
    return result
