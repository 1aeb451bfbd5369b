"""Reads secrets through Powertools parameters (cached for ``max_age`` seconds)."""

from __future__ import annotations

from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

from tradewind.errors import DependencyUnavailable


class SecretValue:
    """One secret's string value, fetched lazily and refreshed after ``max_age`` seconds."""

    def __init__(self, secret_id: str, max_age: int) -> None:
        self._secret_id = secret_id
        self._max_age = max_age

    def __call__(self) -> str:
        try:
            value = parameters.get_secret(self._secret_id, max_age=self._max_age)
        except GetParameterError as e:
            raise DependencyUnavailable(
                "the signing key could not be read", dependency="secretsmanager"
            ) from e
        if not isinstance(value, str) or not value:
            raise DependencyUnavailable(f"secret {self._secret_id} is empty", dependency="secretsmanager")
        return value
