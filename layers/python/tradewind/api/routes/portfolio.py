"""/v1/portfolio: the caller's wallets and vaults valued in USD across chains."""

from __future__ import annotations

from fastapi import APIRouter

from tradewind.api.security import Reader, ServicesDep
from tradewind.portfolio.models import Portfolio

router = APIRouter(prefix="/v1/portfolio", tags=["portfolio"])


@router.get("", response_model=Portfolio)
def portfolio(principal: Reader, svc: ServicesDep) -> Portfolio:
    """Balances of the caller's watched wallets and active vaults, read live, valued at current prices.

    A chain that does not answer is valued from its last snapshot and marked ``stale`` with its age.
    """
    return svc.portfolio().portfolio(principal.user_id)
