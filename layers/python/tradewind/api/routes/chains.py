"""/v1/chains: the chains this deployment works on."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from tradewind.api.security import ServicesDep

router = APIRouter(prefix="/v1", tags=["chains"])


class ChainOut(BaseModel):
    """An active chain as clients see it."""

    key: str
    chain_id: int
    name: str
    native_symbol: str


class ChainList(BaseModel):
    """The active chains, in configuration order."""

    items: list[ChainOut]


@router.get("/chains", response_model=ChainList)
def list_chains(svc: ServicesDep) -> ChainList:
    """Public: which chains wallets and trades may name."""
    return ChainList(
        items=[
            ChainOut(key=c.key, chain_id=c.chain_id, name=c.name, native_symbol=c.native.symbol)
            for c in svc.chains
        ]
    )
