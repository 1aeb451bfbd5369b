"""Domain models of the vaults context."""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class VaultStatus(StrEnum):
    """Where a vault is in its life: the factory call is asynchronous."""

    DEPLOYING = "deploying"
    ACTIVE = "active"
    FAILED = "failed"


class Vault(BaseModel):
    """A user's trading vault as recorded by the service."""

    model_config = ConfigDict(frozen=True)

    id: str
    chain: str
    owner: str
    status: VaultStatus
    address: str | None = None
    tx_hash: str | None = None
    error: str | None = None
    created_at: datetime

    @property
    def salt(self) -> str:
        """The CREATE2 salt the factory gets for this vault: one vault per id, whatever the retries."""
        return "0x" + hashlib.sha256(self.id.encode()).hexdigest()


class TokenLimits(BaseModel):
    """The vault's rules for selling one token, in token units (decimal strings)."""

    allowed: bool
    max_per_trade: str
    max_per_day: str
    signature_threshold: str


class VaultState(BaseModel):
    """What the chain says about a vault now."""

    owner: str
    operator: str
    guardian: str
    paused: bool
    max_slippage_bps: int
    limits: dict[str, TokenLimits] = Field(description="by token symbol")
    balances: dict[str, str] = Field(description="token symbol -> amount in token units")


class VaultView(Vault):
    """A vault with its on-chain state when it is active."""

    state: VaultState | None = None


class DeployVaultCommand(BaseModel):
    """What the API hands the chain executor: open this vault on this chain for this owner."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["deploy_vault"] = "deploy_vault"
    user_id: str = Field(min_length=1)
    vault_id: str = Field(min_length=1)
    chain: str = Field(min_length=1)
    owner: str = Field(pattern=r"^0x[0-9a-fA-F]{40}$")
