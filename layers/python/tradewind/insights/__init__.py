"""Portfolio insights: the figures the assistant quotes and the recommendations built on them (no I/O).

Pure functions over pydantic models: ``analyse_portfolio`` measures concentration, volatility,
drawdown, correlation and risk; ``recommend`` turns that into rebalancing, concentration and yield
suggestions whose every number comes from the inputs.
"""

from tradewind.insights.analysis import analyse_portfolio, correlations, risk_score
from tradewind.insights.models import (
    Correlation,
    LargestPosition,
    PortfolioAnalysis,
    Recommendation,
    RecommendationKind,
    RiskFactor,
    RiskReason,
    RiskScore,
    TradeProposal,
    YieldOption,
)
from tradewind.insights.recommendations import rebalance_legs, recommend

__all__ = [
    "Correlation",
    "LargestPosition",
    "PortfolioAnalysis",
    "Recommendation",
    "RecommendationKind",
    "RiskFactor",
    "RiskReason",
    "RiskScore",
    "TradeProposal",
    "YieldOption",
    "analyse_portfolio",
    "correlations",
    "rebalance_legs",
    "recommend",
    "risk_score",
]
