"""The price a source reports, and the service's verdict on it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class Price(BaseModel):
    """One token's USD price from one source.

    ``flagged`` means another source disagreed beyond the service's threshold: the price is still
    returned, so that callers can show it, but callers that move money (risk checks) must refuse it.
    """

    model_config = ConfigDict(frozen=True)

    symbol: str
    usd: Decimal = Field(gt=0)
    source: str
    observed_at: datetime
    flagged: bool = False
    detail: str | None = None
