"""Settings read from the environment once, at cold start, and validated.

Each function composes the mixins it needs; domain code receives settings objects and never
reads ``os.environ`` itself. A field ``name`` comes from ``TRADEWIND_<NAME>``. This is plain
pydantic rather than pydantic-settings, whose import alone costs ~80 ms of every cold start.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator

Stage = Literal["local", "dev", "prod"]


def parse_json_text(value: object) -> object:
    """A setting given as JSON text in the environment, decoded; anything else as it is."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError as e:
        raise ValueError(f"not valid JSON: {e}") from e


class EnvironmentSettings(BaseModel):
    """Base of every settings mixin: immutable, and loadable from prefixed environment variables."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    env_prefix: ClassVar[str] = "TRADEWIND_"

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Self:
        """Validate the fields found in ``environ`` (the process environment by default)."""
        source = os.environ if environ is None else environ
        values = {
            name: source[key] for name in cls.model_fields if (key := cls.env_prefix + name.upper()) in source
        }
        return cls.model_validate(values)


class StageSettings(EnvironmentSettings):
    """Which deployment this is."""

    stage: Stage = "local"


class AccountsTableSettings(EnvironmentSettings):
    """The single table holding users, sessions, API keys, wallets and login throttles."""

    accounts_table: str = Field(min_length=3)


class AuthSettings(EnvironmentSettings):
    """Token lifetimes, where the JWT signing key lives, and the login throttle."""

    jwt_secret_id: str = Field(min_length=1, description="Secrets Manager name or ARN of the signing key")
    access_token_ttl_s: int = Field(default=900, gt=0)
    refresh_token_ttl_s: int = Field(default=30 * 24 * 3600, gt=0)
    login_max_attempts: int = Field(default=5, gt=0)
    login_window_s: int = Field(default=300, gt=0)
    secret_cache_s: int = Field(default=300, ge=0)


class SignerSettings(EnvironmentSettings):
    """The KMS key that signs for the service."""

    signer_key_id: str = Field(min_length=1)


class ChainSettings(EnvironmentSettings):
    """Which chains are active and, optionally, RPC URLs that replace the registry's."""

    active_chains: list[str] = Field(default_factory=lambda: ["local-l1", "local-l2"])
    rpc_urls: dict[str, list[str]] = Field(default_factory=dict, description="JSON in the environment")
    rpc_timeout_s: float = Field(default=3.0, gt=0)

    @field_validator("active_chains", mode="before")
    @classmethod
    def _split_comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("rpc_urls", mode="before")
    @classmethod
    def _parse_json(cls, value: object) -> object:
        return parse_json_text(value)


class DeploymentsSettings(EnvironmentSettings):
    """Where each chain's deployment manifest is published, and how long a read is cached."""

    deployments_parameter_path: str = Field(pattern=r"^/")
    deployments_cache_s: int = Field(default=300, ge=0)


class ChainExecutorSettings(EnvironmentSettings):
    """The function that signs: the API hands it commands and never signs itself."""

    chain_executor_function: str = Field(min_length=1)
