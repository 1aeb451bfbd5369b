"""The trade flow's Step Functions adapter: starting an execution per trade, answering its approval step."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from tradewind.aws.clients import client
from tradewind.errors import Conflict, DependencyUnavailable

DEPENDENCY = "stepfunctions"


class StepFunctionsTradeFlow:
    """Starts the trade state machine (the execution is named after the trade, so a retry starts
    nothing new) and sends the approval step its answer."""

    def __init__(self, state_machine_arn: str) -> None:
        self._state_machine_arn = state_machine_arn

    def start(self, trade_id: str, execution_input: dict[str, Any]) -> None:
        """Start the trade's execution; one that already exists for this trade is success."""
        try:
            client("stepfunctions").start_execution(
                stateMachineArn=self._state_machine_arn, name=trade_id, input=json.dumps(execution_input)
            )
        except ClientError as e:
            if e.response["Error"]["Code"] == "ExecutionAlreadyExists":
                return
            raise DependencyUnavailable(f"could not start the trade flow: {e}", dependency=DEPENDENCY) from e
        except BotoCoreError as e:
            raise DependencyUnavailable(f"could not start the trade flow: {e}", dependency=DEPENDENCY) from e

    def approve(self, task_token: str, output: dict[str, Any]) -> None:
        """Let the waiting execution go on to signing."""
        self._answer(lambda sfn: sfn.send_task_success(taskToken=task_token, output=json.dumps(output)))

    def end(self, task_token: str, error: str, cause: str) -> None:
        """End the wait with ``error`` (TradeRejected, TradeCancelled), which the flow records."""
        self._answer(lambda sfn: sfn.send_task_failure(taskToken=task_token, error=error, cause=cause))

    @staticmethod
    def _answer(call: Any) -> None:
        try:
            call(client("stepfunctions"))
        except ClientError as e:
            if e.response["Error"]["Code"] in {"TaskTimedOut", "TaskDoesNotExist", "InvalidToken"}:
                raise Conflict("the trade no longer waits for an approval") from e
            raise DependencyUnavailable(f"could not answer the trade flow: {e}", dependency=DEPENDENCY) from e
        except BotoCoreError as e:
            raise DependencyUnavailable(f"could not answer the trade flow: {e}", dependency=DEPENDENCY) from e
