"""What portfolio insights take and return: the analysis figures and the recommendations built on them.

Every number here comes from the inputs (holdings, price history, target allocation, yield
options); the assistant quotes them, so a figure that cannot be computed is ``None`` with the
reason, never an estimate.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tradewind.market.models import Drawdown
from tradewind.trading.models import TradeSide

RiskFactor = Literal["concentration", "volatility", "drawdown"]
RecommendationKind = Literal["rebalance", "reduce_concentration", "idle_stablecoin_yield"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LargestPosition(_Frozen):
    """The holding with the largest share of the total (ties go to the first symbol alphabetically)."""

    symbol: str
    weight: Decimal = Field(ge=0, le=1)


class Correlation(_Frozen):
    """Pearson correlation of two holdings' log returns over the candle starts both have.

    ``points`` counts those common starts; ``coefficient`` is ``None`` (with ``reason``) when they
    are too few or one series never moves.
    """

    a: str
    b: str
    points: int = Field(ge=0)
    # A statistic over float log returns, like the market volatility, not an amount.
    coefficient: float | None
    reason: str | None = None


class RiskReason(_Frozen):
    """One factor of the risk score: the figure behind it, the points it added and could have added.

    ``text`` quotes only these three numbers; an unknown factor has ``value`` and ``points`` 0.
    """

    factor: RiskFactor
    value: Decimal
    points: Decimal
    max_points: Decimal
    text: str


class RiskScore(_Frozen):
    """A 0-100 score (higher is riskier): the sum of the factors' points, rounded to a whole number."""

    score: int = Field(ge=0, le=100)
    reasons: tuple[RiskReason, ...]


class PortfolioAnalysis(_Frozen):
    """Concentration, volatility, drawdown, correlation and risk of one set of holdings.

    ``weights`` are fractions of ``total_usd``; HHI is the sum of their squares (1 for a single
    holding, 1/n for n equal ones) and ``effective_holdings`` its inverse. The volatility and the
    drawdown are those of ``series_points`` aligned closes; ``unavailable`` names each figure left
    ``None`` and why.
    """

    interval: timedelta
    total_usd: Decimal = Field(gt=0)
    weights: dict[str, Decimal]
    hhi: Decimal = Field(gt=0, le=1)
    effective_holdings: Decimal = Field(ge=1)
    largest: LargestPosition
    stablecoins: tuple[str, ...] = Field(description="the held symbols counted as stablecoins")
    stablecoin_share: Decimal = Field(ge=0, le=1)
    series_points: int = Field(ge=0)
    volatility_annualised: float | None
    max_drawdown: Drawdown | None
    correlations: tuple[Correlation, ...]
    risk: RiskScore
    unavailable: dict[str, str]


class YieldOption(_Frozen):
    """An ERC-4626 vault (``VaultEntry.symbol``) on ``chain`` that takes ``asset``.

    ``apy`` is a fraction (0.05 is 5 %); ``gas_usd`` what depositing costs now.
    """

    vault: str
    asset: str
    chain: str
    apy: Decimal = Field(ge=0)
    gas_usd: Decimal = Field(ge=0)


class TradeProposal(_Frozen):
    """A swap the trade flow could take as a ``TradeRequest``: ``amount`` is in ``sell_token`` units."""

    sell_token: str
    buy_token: str
    amount: Decimal = Field(gt=0)
    side: TradeSide = TradeSide.EXACT_IN


class Recommendation(_Frozen):
    """One suggestion: ``rationale`` is written from ``figures`` only, so each number in it is there.

    A swap carries its ``proposal``; a vault deposit carries the chosen ``deposit`` option.
    """

    kind: RecommendationKind
    title: str
    rationale: str
    figures: dict[str, Decimal]
    proposal: TradeProposal | None = None
    deposit: YieldOption | None = None
