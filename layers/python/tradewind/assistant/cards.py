"""What a chat reply carries besides its text: cards the client renders, and actions the user can take.

Cards hold the tool results a reply was written from, shaped for display; both engines build them
with the same tools, so a client renders the offline engine's answers and the model's alike.
Actions are calls the client makes on the user's behalf (approving a trade is the user's act, never
the assistant's), each naming the API route that does it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tradewind.market.periods import Period

# A chart's series is capped so that one turn stays a small DynamoDB item, whatever the period.
MAX_CHART_POINTS = 200
# The portfolio card lists the largest holdings; the rest are summed under ``other_usd``.
MAX_CARD_HOLDINGS = 12


class _Card(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Holding(_Card):
    symbol: str
    amount: Decimal
    usd: Decimal | None
    share_pct: Decimal | None


class PortfolioCard(_Card):
    """The portfolio, or one chain's or one token's part of it."""

    type: Literal["portfolio"] = "portfolio"
    chain: str | None
    token: str | None
    total_usd: Decimal
    by_chain: dict[str, Decimal]
    holdings: tuple[Holding, ...]
    other_usd: Decimal
    stale_chains: tuple[str, ...]
    as_of: datetime


class PriceLine(_Card):
    symbol: str
    usd: Decimal
    source: str
    observed_at: datetime
    flagged: bool


class PricesCard(_Card):
    type: Literal["prices"] = "prices"
    prices: tuple[PriceLine, ...]
    unknown: tuple[str, ...] = ()


class ChartPoint(_Card):
    t: datetime
    close: Decimal


class ChartCard(_Card):
    """A close-price series; ``interval_s`` apart at most (empty buckets are left out)."""

    type: Literal["chart"] = "chart"
    symbol: str
    period: Period
    interval_s: int
    points: tuple[ChartPoint, ...] = Field(max_length=MAX_CHART_POINTS)


class MarketAnalysisCard(_Card):
    type: Literal["market_analysis"] = "market_analysis"
    symbol: str
    period: Period
    figures: dict[str, Any]


class PortfolioAnalysisCard(_Card):
    type: Literal["portfolio_analysis"] = "portfolio_analysis"
    figures: dict[str, Any]


class QuoteCard(_Card):
    type: Literal["quote"] = "quote"
    chain: str
    sell: str
    buy: str
    amount_in: Decimal
    amount_out: Decimal
    execution_price: Decimal
    price_impact_bps: Decimal | None
    route: str
    gas_estimate: int


class RiskReportCard(_Card):
    type: Literal["risk_report"] = "risk_report"
    trade_id: str
    score: int | None
    decision: str | None
    findings: tuple[dict[str, Any], ...]


class TradeCard(_Card):
    """A trade the assistant proposed or was asked about; it moves only through the trade flow."""

    type: Literal["trade_proposal", "trade_status"]
    trade_id: str
    status: str
    chain: str
    vault: str
    sell: str
    buy: str
    amount: Decimal
    side: str
    tx_hash: str | None = None
    error: str | None = None


class RecommendationsCard(_Card):
    type: Literal["recommendations"] = "recommendations"
    recommendations: tuple[dict[str, Any], ...]


class YieldsCard(_Card):
    type: Literal["yields"] = "yields"
    vaults: tuple[dict[str, Any], ...]


Card = Annotated[
    PortfolioCard
    | PricesCard
    | ChartCard
    | MarketAnalysisCard
    | PortfolioAnalysisCard
    | QuoteCard
    | RiskReportCard
    | TradeCard
    | RecommendationsCard
    | YieldsCard,
    Field(discriminator="type"),
]


class Action(BaseModel):
    """A follow-up the user can take: the client calls ``method`` ``path`` (with ``body``) for them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: Literal["approve_trade", "reject_trade", "view_trade", "ask"]
    label: str
    method: Literal["GET", "POST"] | None = None
    path: str | None = None
    body: dict[str, Any] | None = None
    message: str | None = Field(default=None, description="for ask: the chat message to send")


def ask(label: str, message: str) -> Action:
    """A follow-up the client sends as the user's next chat message."""
    return Action(type="ask", label=label, message=message)


def trade_actions(trade_id: str, waiting: bool) -> list[Action]:
    """What the user can do with a trade the assistant showed: decide on it while it waits, else follow it."""
    path = f"/v1/trades/{trade_id}"
    actions = [Action(type="view_trade", label="View the trade", method="GET", path=path)]
    if waiting:
        actions[:0] = [
            Action(
                type="approve_trade",
                label="Approve the trade",
                method="POST",
                path=f"{path}/approve",
                body={},
            ),
            Action(type="reject_trade", label="Reject the trade", method="POST", path=f"{path}/reject"),
        ]
    return actions
