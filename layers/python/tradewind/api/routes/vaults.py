"""/v1/vaults: the user's trading vaults, opened by the service and read from their chains."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from tradewind.api.security import Reader, ServicesDep, Trader
from tradewind.vaults.models import VaultView

router = APIRouter(prefix="/v1/vaults", tags=["vaults"])


class OpenVault(BaseModel):
    """A chain key from GET /v1/chains and the owner: the user's own address, which keeps full control."""

    model_config = ConfigDict(extra="forbid")

    chain: str = Field(min_length=1, max_length=32)
    owner: str = Field(min_length=1, max_length=64)


class VaultList(BaseModel):
    """The caller's vaults."""

    items: list[VaultView]


@router.post("", status_code=202, response_model=VaultView)
def open_vault(body: OpenVault, principal: Trader, svc: ServicesDep) -> VaultView:
    """Open a vault: the service deploys it (and pays the gas) with its key as the operator.

    202: deployment runs asynchronously; the vault is ``deploying`` until its chain confirms it.
    """
    return svc.vaults.open(principal.user_id, body.chain, body.owner)


@router.get("", response_model=VaultList)
def list_vaults(principal: Reader, svc: ServicesDep) -> VaultList:
    """The caller's vaults with owner, operator, limits, pause and balances read from the chain."""
    return VaultList(items=svc.vaults.list(principal.user_id))
