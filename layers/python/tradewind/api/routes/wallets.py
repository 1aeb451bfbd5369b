"""/v1/wallets: the addresses a user watches."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from tradewind.api.security import Reader, ServicesDep, Writer
from tradewind.wallets.models import Wallet

router = APIRouter(prefix="/v1/wallets", tags=["wallets"])


class AddWallet(BaseModel):
    """A chain key from GET /v1/chains, an address and a label."""

    model_config = ConfigDict(extra="forbid")

    chain: str = Field(min_length=1, max_length=32)
    address: str = Field(min_length=1, max_length=64)
    label: str = Field(default="", max_length=64)


class WalletList(BaseModel):
    """The caller's wallets."""

    items: list[Wallet]


@router.post("", status_code=201, response_model=Wallet)
def add_wallet(body: AddWallet, principal: Writer, svc: ServicesDep) -> Wallet:
    """Watch an address (EIP-55 checksum enforced when mixed case)."""
    return svc.wallets.add(principal.user_id, body.chain, body.address, body.label)


@router.get("", response_model=WalletList)
def list_wallets(principal: Reader, svc: ServicesDep) -> WalletList:
    """The caller's wallets."""
    return WalletList(items=svc.wallets.list(principal.user_id))


@router.delete("/{wallet_id}", status_code=204, response_class=Response)
def delete_wallet(wallet_id: str, principal: Writer, svc: ServicesDep) -> Response:
    """Stop watching a wallet."""
    svc.wallets.remove(principal.user_id, wallet_id)
    return Response(status_code=204)
