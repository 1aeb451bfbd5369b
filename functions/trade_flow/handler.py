"""Trade flow function: the state machine's steps that do not sign (analyze, assess, approval, record)."""

from __future__ import annotations

from typing import Any

from tradewind.coldstart import initialising

with initialising():
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from tradewind.observability import logger, metrics, tracer
    from tradewind.trading.commands import FlowStep
    from tradewind.trading.factory import TradeFlowSettings, build_flow_steps

    _steps = build_flow_steps(TradeFlowSettings.from_environment())


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Run one step of one trade; an exception's class name is the error the state machine catches."""
    step = FlowStep.model_validate(event)
    logger.append_keys(trade_id=step.trade_id, step=step.step)
    if step.step == "analyze":
        result = _steps.analyze(step.user_id, step.trade_id)
    elif step.step == "assess":
        result = _steps.assess(step.user_id, step.trade_id)
    elif step.step == "await_approval":
        result = _steps.await_approval(step.user_id, step.trade_id, str(step.task_token))
    else:
        result = _steps.record(step.user_id, step.trade_id, step.outcome or "failed", step.error)
    return result.model_dump(mode="json")
