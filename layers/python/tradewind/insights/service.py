"""Insights on a user's real portfolio: reads the portfolio, price history, preferences and yields,
then runs the pure analysis and recommendations over them.

Decisions:
- The analysis uses the 7-day history (hourly candles) of every priced holding, read in parallel.
- The risk tolerance sets the concentration limit (25 / 40 / 60 % for conservative / balanced /
  aggressive); the target allocation comes from the preferences.
- A swap recommendation is made ready to submit when one of the user's active vaults holds the
  amount to sell: it names that vault, and ``POST /v1/trades`` takes it as is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from tradewind.errors import DependencyUnavailable, NotFound
from tradewind.insights.analysis import analyse_portfolio
from tradewind.insights.models import PortfolioAnalysis, Recommendation, YieldOption
from tradewind.insights.recommendations import recommend
from tradewind.market.periods import Period
from tradewind.market.service import MarketHistory
from tradewind.portfolio.models import Portfolio
from tradewind.preferences.models import RiskTolerance, StoredPreferences
from tradewind.vaults.models import Vault, VaultStatus

# The symbols counted as stablecoins (pegged to USD), for the stablecoin share and idle-yield advice.
STABLECOINS = frozenset({"USDC", "USDT", "DAI", "FRAX", "GUSD", "LUSD", "USDP", "TUSD", "PYUSD"})
CONCENTRATION_LIMIT_PCT: dict[RiskTolerance, Decimal] = {
    RiskTolerance.CONSERVATIVE: Decimal(25),
    RiskTolerance.BALANCED: Decimal(40),
    RiskTolerance.AGGRESSIVE: Decimal(60),
}
ANALYSIS_PERIOD = Period.WEEK
# A month of interest is weighed against one deposit's gas: a longer horizon would recommend
# deposits that take a year to pay for themselves.
YIELD_HORIZON_DAYS = 30
_HISTORY_READERS = 8


class PortfolioReader(Protocol):
    def portfolio(self, user_id: str) -> Portfolio: ...


class HistoryReader(Protocol):
    def history(self, symbol: str, period: Period) -> MarketHistory: ...


class PreferencesReader(Protocol):
    def preferences(self, user_id: str) -> StoredPreferences: ...


class VaultLister(Protocol):
    def list(self, user_id: str) -> list[Vault]: ...


class ReadyTrade(BaseModel):
    """A recommendation's swap as ``POST /v1/trades`` takes it."""

    model_config = ConfigDict(frozen=True)

    vault: str
    chain: str
    sell_token: str
    buy_token: str
    amount: Decimal
    side: str


class ReadyRecommendation(BaseModel):
    model_config = ConfigDict(frozen=True)

    recommendation: Recommendation
    trade: ReadyTrade | None
    trade_unavailable: str | None = None


class Insights(BaseModel):
    """The analysis of the user's portfolio and what to do about it, as of the portfolio's time."""

    model_config = ConfigDict(frozen=True)

    as_of: datetime
    total_usd: Decimal
    analysis: PortfolioAnalysis | None
    unavailable: str | None = None
    recommendations: tuple[ReadyRecommendation, ...] = ()
    yields: tuple[YieldOption, ...] = ()


class InsightsService:
    def __init__(
        self,
        portfolio: PortfolioReader,
        market: HistoryReader,
        preferences: PreferencesReader,
        vaults: VaultLister,
        yields: Callable[[], Sequence[YieldOption]],
    ) -> None:
        self._portfolio = portfolio
        self._market = market
        self._preferences = preferences
        self._vaults = vaults
        self._yields = yields

    def analyse(self, user_id: str) -> Insights:
        """The analysis only (no recommendations): what ``analyse_portfolio`` finds in the holdings."""
        portfolio = self._portfolio.portfolio(user_id)
        return self._analysed(portfolio)

    def recommendations(self, user_id: str) -> Insights:
        """The analysis and the recommendations, each swap made ready for a vault that can do it."""
        portfolio = self._portfolio.portfolio(user_id)
        insights = self._analysed(portfolio)
        if insights.analysis is None:
            return insights
        preferences = self._preferences.preferences(user_id)
        yields = tuple(self._yields())
        recommendations = recommend(
            insights.analysis,
            portfolio.by_token,
            preferences.target_allocation or None,
            yields,
            YIELD_HORIZON_DAYS,
            concentration_limit_pct=CONCENTRATION_LIMIT_PCT[preferences.risk_tolerance],
        )
        vaults = [v for v in self._vaults.list(user_id) if v.status is VaultStatus.ACTIVE]
        ready = tuple(_ready(r, vaults, portfolio) for r in recommendations)
        return insights.model_copy(update={"recommendations": ready, "yields": yields})

    def _analysed(self, portfolio: Portfolio) -> Insights:
        holdings = {s: v.usd for s, v in portfolio.by_token.items() if v.usd is not None and v.usd > 0}
        base = Insights(as_of=portfolio.as_of, total_usd=portfolio.total_usd, analysis=None)
        if not holdings:
            return base.model_copy(update={"unavailable": "the portfolio holds nothing priced"})
        history = self._histories(sorted(holdings))
        interval = next((h.interval for h in history.values()), None)
        if interval is None:
            return base.model_copy(update={"unavailable": "no price history is recorded yet"})
        analysis = analyse_portfolio(
            holdings, {s: h.candles for s, h in history.items()}, set(STABLECOINS), interval
        )
        return base.model_copy(update={"analysis": analysis})

    def _histories(self, symbols: Sequence[str]) -> dict[str, MarketHistory]:
        def read(symbol: str) -> MarketHistory | None:
            try:
                return self._market.history(symbol, ANALYSIS_PERIOD)
            except (NotFound, DependencyUnavailable):
                return None  # a holding without recorded prices leaves the figures that need it unknown

        with ThreadPoolExecutor(max_workers=min(_HISTORY_READERS, max(1, len(symbols)))) as pool:
            found = dict(zip(symbols, pool.map(read, symbols), strict=True))
        return {s: h for s, h in found.items() if h is not None}


def _ready(
    recommendation: Recommendation, vaults: Sequence[Vault], portfolio: Portfolio
) -> ReadyRecommendation:
    proposal = recommendation.proposal
    if proposal is None:
        return ReadyRecommendation(recommendation=recommendation, trade=None)
    held = {v.id: portfolio.token_balance(v.id, v.chain, proposal.sell_token) for v in vaults}
    able = [v for v in vaults if held[v.id] >= proposal.amount]
    if not able:
        reason = f"no active vault holds {proposal.amount} {proposal.sell_token}"
        return ReadyRecommendation(recommendation=recommendation, trade=None, trade_unavailable=reason)
    vault = max(able, key=lambda v: held[v.id])
    trade = ReadyTrade(
        vault=vault.id,
        chain=vault.chain,
        sell_token=proposal.sell_token,
        buy_token=proposal.buy_token,
        amount=proposal.amount,
        side=proposal.side.value,
    )
    return ReadyRecommendation(recommendation=recommendation, trade=trade)


def recommendation_view(ready: ReadyRecommendation) -> dict[str, Any]:
    """One recommendation as the API and the assistant show it."""
    return {
        **ready.recommendation.model_dump(mode="json"),
        "trade": None if ready.trade is None else ready.trade.model_dump(mode="json"),
        "trade_unavailable": ready.trade_unavailable,
    }
