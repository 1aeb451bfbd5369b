"""/v1/tokens: the tokens Tradewind works with on a chain."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from tradewind.api.security import ServicesDep
from tradewind.deployments.manifest import TokenEntry

router = APIRouter(prefix="/v1", tags=["chains"])


class TokenList(BaseModel):
    """A chain's tokens."""

    items: list[TokenEntry]


@router.get("/tokens", response_model=TokenList)
def list_tokens(
    svc: ServicesDep,
    chain: Annotated[str, Query(min_length=1, max_length=32, description="A key from GET /v1/chains")],
) -> TokenList:
    """Public: the tokens trades and balances may name on ``chain`` (symbol, address, decimals)."""
    return TokenList(items=list(svc.tokens.list(chain)))
