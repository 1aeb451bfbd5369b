"""Hands vault commands to the chain executor, the only function allowed to sign."""

from __future__ import annotations

from typing import Protocol

from botocore.exceptions import BotoCoreError, ClientError

from tradewind.aws.clients import client
from tradewind.errors import DependencyUnavailable
from tradewind.vaults.models import DeployVaultCommand


class CommandDispatcher(Protocol):
    """Delivers a command for asynchronous execution."""

    def dispatch(self, command: DeployVaultCommand) -> None:
        """Queue ``command``; it runs after this returns (or, locally, before)."""


class LambdaDispatcher:
    """Invokes the chain executor asynchronously (Lambda retries a failed run twice)."""

    def __init__(self, function_name: str) -> None:
        self._function_name = function_name

    def dispatch(self, command: DeployVaultCommand) -> None:
        try:
            client("lambda").invoke(
                FunctionName=self._function_name,
                InvocationType="Event",
                Payload=command.model_dump_json().encode(),
            )
        except (BotoCoreError, ClientError) as e:
            raise DependencyUnavailable("the chain executor could not be reached", dependency="lambda") from e
