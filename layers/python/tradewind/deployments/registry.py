"""Reads each chain's deployment manifest from its SSM parameter (cached by Powertools parameters)."""

from __future__ import annotations

from typing import Protocol

from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError
from botocore.exceptions import ClientError
from pydantic import ValidationError

from tradewind.deployments.manifest import DeploymentManifest
from tradewind.errors import DependencyUnavailable, NotFound


class ManifestSource(Protocol):
    """Where services find what is deployed on a chain."""

    def manifest(self, chain_key: str) -> DeploymentManifest:
        """The chain's manifest; NotFound when nothing is published for it."""


class ParameterManifestSource:
    """Manifests published as ``<path>/<chain key>`` SSM parameters."""

    def __init__(self, path: str, max_age: int) -> None:
        self._path = path.rstrip("/")
        self._max_age = max_age

    def manifest(self, chain_key: str) -> DeploymentManifest:
        name = f"{self._path}/{chain_key}"
        try:
            value = parameters.get_parameter(name, max_age=self._max_age)
        except GetParameterError as e:
            # Powertools wraps the SDK error without chaining it; the original is the context.
            cause = e.__context__
            if isinstance(cause, ClientError) and cause.response["Error"]["Code"] == "ParameterNotFound":
                raise NotFound(f"nothing is deployed on chain '{chain_key}'") from e
            raise DependencyUnavailable(
                f"deployment manifest {name} could not be read", dependency="ssm"
            ) from e
        try:
            return DeploymentManifest.model_validate_json(value)
        except ValidationError as e:
            raise DependencyUnavailable(f"deployment manifest {name} is malformed", dependency="ssm") from e
