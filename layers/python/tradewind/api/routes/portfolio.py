"""/v1/portfolio: the caller's wallets and vaults valued in USD across chains."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from tradewind.api.security import Reader, ServicesDep
from tradewind.market.periods import Period
from tradewind.portfolio.history import Performance, PortfolioHistory
from tradewind.portfolio.models import Portfolio

router = APIRouter(prefix="/v1/portfolio", tags=["portfolio"])


PeriodQuery = Annotated[Period, Query(description="How far back: 24h, 7d or 30d")]


@router.get("", response_model=Portfolio)
def portfolio(principal: Reader, svc: ServicesDep) -> Portfolio:
    """The caller's watched wallets and active vaults valued at current prices.

    Served from the scheduled sync's snapshots while they are younger than the configured age,
    read from the chains otherwise. A chain that does not answer is valued from its last snapshot
    and marked ``stale``; each chain carries its age.
    """
    return svc.portfolio().portfolio(principal.user_id)


@router.post("/refresh", response_model=Portfolio)
def refresh(principal: Reader, svc: ServicesDep) -> Portfolio:
    """Read every chain now (no snapshot younger than now is good enough) and record the values."""
    return svc.portfolio().refresh(principal.user_id)


@router.get("/history", response_model=PortfolioHistory)
def history(principal: Reader, svc: ServicesDep, period: PeriodQuery = Period.DAY) -> PortfolioHistory:
    """Total value over the period, one point per interval, from the recorded refreshes."""
    return svc.portfolio().history(principal.user_id, period)


@router.get("/performance", response_model=Performance)
def performance(principal: Reader, svc: ServicesDep, period: PeriodQuery = Period.DAY) -> Performance:
    """Change in value over the period, absolute and %, split into market movement and flows, per token."""
    return svc.portfolio().performance(principal.user_id, period)
