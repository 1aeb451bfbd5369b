"""Settings read from the environment once, at cold start, and validated.

Each function composes the mixins it needs; domain code receives settings objects and never
reads ``os.environ`` itself.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

Stage = Literal["local", "dev", "prod"]


class _Base(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRADEWIND_", extra="ignore", frozen=True)


class StageSettings(_Base):
    """Which deployment this is."""

    stage: Stage = "local"


class AccountsTableSettings(_Base):
    """The single table holding users, sessions, API keys, wallets and login throttles."""

    accounts_table: str = Field(min_length=3)


class AuthSettings(_Base):
    """Token lifetimes, where the JWT signing key lives, and the login throttle."""

    jwt_secret_id: str = Field(min_length=1, description="Secrets Manager name or ARN of the signing key")
    access_token_ttl_s: int = Field(default=900, gt=0)
    refresh_token_ttl_s: int = Field(default=30 * 24 * 3600, gt=0)
    login_max_attempts: int = Field(default=5, gt=0)
    login_window_s: int = Field(default=300, gt=0)
    secret_cache_s: int = Field(default=300, ge=0)


class SignerSettings(_Base):
    """The KMS key that signs for the service."""

    signer_key_id: str = Field(min_length=1)


class ChainSettings(_Base):
    """Which chains are active and, optionally, RPC URLs that replace the registry's."""

    active_chains: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["local-l1", "local-l2"])
    rpc_urls: dict[str, list[str]] = Field(default_factory=dict)
    rpc_timeout_s: float = Field(default=3.0, gt=0)

    @field_validator("active_chains", mode="before")
    @classmethod
    def _split_comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value


class ApiSettings(StageSettings, AccountsTableSettings, AuthSettings, SignerSettings, ChainSettings):
    """Everything the API function needs."""
