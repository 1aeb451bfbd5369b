"""/v1/market: USD prices with their source and age."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from tradewind.api.security import ServicesDep
from tradewind.errors import InvalidInput

router = APIRouter(prefix="/v1/market", tags=["market"])

MAX_SYMBOLS = 50


class PriceOut(BaseModel):
    """One token's latest USD price; ``flagged`` when another source disagreed (see ``detail``)."""

    symbol: str
    usd: Decimal
    source: str
    observed_at: datetime
    age_s: float
    flagged: bool
    detail: str | None


class PriceList(BaseModel):
    """Prices in the order asked."""

    items: list[PriceOut]


Symbols = Annotated[str, Query(min_length=1, max_length=512, description="Comma-separated, e.g. ETH,WBTC")]


@router.get("/prices", response_model=PriceList, responses={404: {"description": "A symbol nobody prices"}})
def latest_prices(svc: ServicesDep, symbols: Symbols) -> PriceList:
    """Public: latest USD prices, from the on-chain TWAP first, cross-checked against the price API."""
    wanted = list(dict.fromkeys(symbol.strip().upper() for symbol in symbols.split(",") if symbol.strip()))
    if not wanted or len(wanted) > MAX_SYMBOLS:
        raise InvalidInput(f"give between 1 and {MAX_SYMBOLS} symbols", field="symbols")
    prices = svc.prices().prices(wanted)
    now = datetime.now(UTC)
    return PriceList(
        items=[
            PriceOut(
                **prices[symbol].model_dump(),
                age_s=round(max(0.0, (now - prices[symbol].observed_at).total_seconds()), 3),
            )
            for symbol in wanted
        ]
    )
