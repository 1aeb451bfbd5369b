"""/v1/market: USD prices with their source and age, price history as candles, and its analysis."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from tradewind.api.security import ServicesDep
from tradewind.errors import InvalidInput
from tradewind.market.periods import Period
from tradewind.market.service import MarketAnalysis, MarketHistory

router = APIRouter(prefix="/v1/market", tags=["market"])

MAX_SYMBOLS = 50
NOT_PRICED: dict[int | str, dict[str, Any]] = {404: {"description": "A symbol nobody prices"}}


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


@router.get("/prices", response_model=PriceList, responses=NOT_PRICED)
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


Symbol = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9.\-]+$")]


@router.get("/{symbol}/history", response_model=MarketHistory, responses=NOT_PRICED)
def price_history(
    svc: ServicesDep,
    symbol: Symbol,
    period: Annotated[Period, Query(description="How far back: 24h, 7d or 30d")] = Period.DAY,
) -> MarketHistory:
    """Public: OHLC candles of the recorded USD price (15 min for 24h, 1 h for 7d, 4 h for 30d)."""
    return svc.market().history(symbol, period)


@router.get("/{symbol}/analysis", response_model=MarketAnalysis, responses=NOT_PRICED)
def analysis(
    svc: ServicesDep,
    symbol: Symbol,
    period: Annotated[Period, Query(description="The history analysed: 24h, 7d or 30d")] = Period.MONTH,
) -> MarketAnalysis:
    """Public: realised volatility, trend (moving averages), max drawdown and RSI, each with its window."""
    return svc.market().analysis(symbol, period)
