"""Settings of the portfolio service, loaded like every mixin (``TRADEWIND_<NAME>``)."""

from __future__ import annotations

from pydantic import Field

from tradewind.holdings.settings import HoldingsSettings


class PortfolioSettings(HoldingsSettings):
    """The holdings reader's settings, and how old a snapshot may be and still be served."""

    # A little over the sync schedule's rate (5 minutes), so that between two scheduled syncs a
    # GET is served from the snapshots they wrote; POST /v1/portfolio/refresh reads the chain now.
    portfolio_max_age_s: float = Field(default=360.0, ge=0)
