"""The assistant's tools over the services the API already has; both engines call these and only these.

Every figure a reply may state is in some tool's ``data`` (the grounding check looks there), and
every card is built from that same data. Only ``propose_trade`` writes: it submits a trade marked
as the assistant's, which the risk step always sends to the user's approval.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, Protocol

from pydantic import Field

from tradewind.assistant.cards import (
    MAX_CARD_HOLDINGS,
    MAX_CHART_POINTS,
    Action,
    Card,
    ChartCard,
    ChartPoint,
    Holding,
    MarketAnalysisCard,
    PortfolioAnalysisCard,
    PortfolioCard,
    PriceLine,
    PricesCard,
    QuoteCard,
    RecommendationsCard,
    RiskReportCard,
    TradeCard,
    YieldsCard,
    ask,
    trade_actions,
)
from tradewind.assistant.toolbox import NoArguments, Tool, ToolArguments, Toolbox, ToolOutput, TurnContext
from tradewind.assistant.trade_plan import AmountUnit, TradePlan, TradePlanner, vault_symbol
from tradewind.errors import InvalidInput, NotFound
from tradewind.insights.models import YieldOption
from tradewind.insights.service import Insights, ReadyTrade, recommendation_view
from tradewind.market.periods import Period
from tradewind.market.service import MarketAnalysis, MarketHistory
from tradewind.portfolio.models import Portfolio
from tradewind.prices.models import Price
from tradewind.trading.models import Trade, TradeOrigin, TradeRequest, TradeSide, TradeStatus
from tradewind.trading.quote_models import Quote

Symbol = Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9.]+$")
DecimalText = Field(
    pattern=r"^\d+(\.\d+)?$", max_length=40, description='a decimal number as text, e.g. "0.5"'
)


# Both the trade risk score and the portfolio risk score run 0-100; replies quote the scale.
RISK_SCORE_MAX = 100


class PortfolioPort(Protocol):
    def portfolio(self, user_id: str) -> Portfolio: ...


class PricePort(Protocol):
    def prices(self, symbols: Sequence[str], *, partial: bool = False) -> dict[str, Price]: ...


class MarketPort(Protocol):
    def history(self, symbol: str, period: Period) -> MarketHistory: ...
    def analysis(self, symbol: str, period: Period) -> MarketAnalysis: ...


class InsightsPort(Protocol):
    def analyse(self, user_id: str) -> Insights: ...
    def recommendations(self, user_id: str) -> Insights: ...


class QuotePort(Protocol):
    def quote(self, chain: str, sell: str, buy: str, amount: Decimal, side: TradeSide) -> Quote: ...


class TradesPort(Protocol):
    def submit(self, user_id: str, idempotency_key: str, request: TradeRequest) -> tuple[Trade, bool]: ...
    def get(self, user_id: str, trade_id: str) -> Trade: ...
    def list(self, user_id: str, limit: int, before: str | None) -> list[Trade]: ...


@dataclass(frozen=True)
class Ports:
    """What the tools read and the one thing they write (trades)."""

    portfolio: PortfolioPort
    prices: PricePort
    market: MarketPort
    insights: InsightsPort
    quotes: QuotePort
    trades: TradesPort
    planner: TradePlanner
    yields: Callable[[], Sequence[YieldOption]]
    # How long propose_trade waits for the flow's risk step, so the reply can show its report.
    proposal_wait_s: float = 5.0


# Arguments


class PortfolioArgs(ToolArguments):
    chain: str | None = Field(default=None, description="a chain key, e.g. local-l2; omit for all chains")
    token: str | None = Field(default=None, description="one symbol to narrow to; omit for every holding")


class PricesArgs(ToolArguments):
    symbols: list[str] = Field(min_length=1, max_length=10, description="token symbols, e.g. ETH, WBTC")


class SymbolPeriodArgs(ToolArguments):
    symbol: str = Symbol
    period: Period = Period.WEEK


class TradeArgs(ToolArguments):
    sell: str = Symbol
    buy: str = Symbol
    amount: str = DecimalText
    amount_unit: AmountUnit = Field(
        default="tokens", description="tokens: units of amount_token; percent: of the vault's balance; usd"
    )
    amount_token: str | None = Field(default=None, description="for tokens: sell or buy; default sell")
    chain: str | None = Field(default=None, description="a chain key; omit to use the vault holding the most")


class ProposeArgs(TradeArgs):
    max_slippage_bps: int = Field(default=50, ge=1, le=500)


class TradeStatusArgs(ToolArguments):
    trade_id: str | None = Field(default=None, max_length=64, description="omit for the latest trade")


class YieldArgs(ToolArguments):
    asset: str | None = Field(default=None, max_length=16, description="only vaults taking this token")


# The tools


class Tools:
    """Builds the toolbox over ``ports``."""

    def __init__(self, ports: Ports) -> None:
        self._p = ports

    def toolbox(self) -> Toolbox:
        return Toolbox(
            [
                Tool(
                    "get_portfolio",
                    "The user's holdings valued in USD, by chain and token.",
                    PortfolioArgs,
                    self.portfolio,
                ),
                Tool("get_prices", "Current USD prices of tokens.", PricesArgs, self.prices),
                Tool(
                    "get_price_history",
                    "A token's recorded closes over 24h, 7d or 30d.",
                    SymbolPeriodArgs,
                    self.history,
                ),
                Tool(
                    "analyse_market",
                    "Volatility, trend, drawdown and RSI of a token over a period.",
                    SymbolPeriodArgs,
                    self.market_analysis,
                ),
                Tool(
                    "analyse_portfolio",
                    "Concentration, stablecoin share, volatility, drawdown, correlations, risk score.",
                    NoArguments,
                    self.portfolio_analysis,
                ),
                Tool(
                    "get_quote",
                    "What a swap would return on Uniswap V3 now; commits to nothing.",
                    TradeArgs,
                    self.quote,
                ),
                Tool(
                    "propose_trade",
                    "Create a trade from the user's vault that waits for their approval.",
                    ProposeArgs,
                    self.propose,
                    writes=True,
                ),
                Tool(
                    "get_trade_status",
                    "Where one of the user's trades is.",
                    TradeStatusArgs,
                    self.trade_status,
                ),
                Tool(
                    "find_yield",
                    "The configured ERC-4626 vaults with their measured APY.",
                    YieldArgs,
                    self.yields,
                ),
                Tool(
                    "get_recommendations",
                    "Rebalancing, concentration and yield advice for the portfolio, with the numbers.",
                    NoArguments,
                    self.recommendations,
                ),
            ]
        )

    def portfolio(self, context: TurnContext, args: PortfolioArgs) -> ToolOutput:
        portfolio = self._p.portfolio.portfolio(context.user_id)
        token = None if args.token is None else args.token.upper()
        chains = [args.chain] if args.chain else list(portfolio.by_chain)
        if args.chain is not None and args.chain not in portfolio.by_chain:
            raise NotFound(
                f"the portfolio has nothing on {args.chain}; its chains are {', '.join(portfolio.by_chain)}"
            )
        amounts: dict[str, Decimal] = {}
        usd: dict[str, Decimal] = {}
        for p in portfolio.positions:
            if p.chain in chains and (
                token is None or p.symbol.upper() == token or p.valued_as.upper() == token
            ):
                amounts[p.symbol] = amounts.get(p.symbol, Decimal(0)) + p.amount
                if p.usd is not None:
                    usd[p.symbol] = usd.get(p.symbol, Decimal(0)) + p.usd
        total = _cents(sum(usd.values(), Decimal(0)))
        ranked = sorted(amounts, key=lambda s: (-usd.get(s, Decimal(-1)), s))
        holdings = tuple(
            Holding(
                symbol=s,
                amount=_units(amounts[s]),
                usd=_cents(usd[s]) if s in usd else None,
                share_pct=_pct(usd[s] / total * 100) if s in usd and total else None,
            )
            for s in ranked
        )
        shown, rest = holdings[:MAX_CARD_HOLDINGS], holdings[MAX_CARD_HOLDINGS:]
        card = PortfolioCard(
            chain=args.chain,
            token=token,
            total_usd=total,
            by_chain={c: _cents(v.usd) for c, v in portfolio.by_chain.items() if c in chains},
            holdings=shown,
            other_usd=_cents(sum((h.usd or Decimal(0) for h in rest), Decimal(0))),
            stale_chains=tuple(c for c, v in portfolio.by_chain.items() if c in chains and v.stale),
            as_of=portfolio.as_of,
        )
        data = card.model_dump(mode="json", exclude={"type"})
        data["holdings"] = [h.model_dump(mode="json") for h in holdings]
        data["unpriced"] = [s for s in ranked if s not in usd]
        return ToolOutput(data=data, cards=[card])

    def prices(self, _context: TurnContext, args: PricesArgs) -> ToolOutput:
        wanted = [s.upper() for s in args.symbols]
        found = self._p.prices.prices(wanted, partial=True)
        card = PricesCard(
            prices=tuple(
                PriceLine(
                    symbol=p.symbol, usd=p.usd, source=p.source, observed_at=p.observed_at, flagged=p.flagged
                )
                for p in found.values()
            ),
            unknown=tuple(s for s in wanted if s not in found),
        )
        if not card.prices:
            raise NotFound(f"no source prices {', '.join(wanted)}")
        return ToolOutput(data=card.model_dump(mode="json", exclude={"type"}), cards=[card])

    def history(self, _context: TurnContext, args: SymbolPeriodArgs) -> ToolOutput:
        history = self._p.market.history(args.symbol.upper(), args.period)
        candles = history.candles
        if not candles:
            raise NotFound(f"no {args.symbol.upper()} prices are recorded over the last {args.period.value}")
        step = max(1, -(-len(candles) // MAX_CHART_POINTS))
        points = tuple(ChartPoint(t=c.start, close=c.close) for c in candles[::step])
        card = ChartCard(
            symbol=history.symbol,
            period=history.period,
            interval_s=int(history.interval.total_seconds()) * step,
            points=points,
        )
        first, last = candles[0].close, candles[-1].close
        data = {
            "symbol": history.symbol,
            "period": history.period.value,
            "first_close": str(first),
            "last_close": str(last),
            "change_pct": str(_pct((last - first) / first * 100)),
            "high": str(max(c.high for c in candles)),
            "low": str(min(c.low for c in candles)),
            "candles": len(candles),
        }
        return ToolOutput(data=data, cards=[card])

    def market_analysis(self, _context: TurnContext, args: SymbolPeriodArgs) -> ToolOutput:
        result = self._p.market.analysis(args.symbol.upper(), args.period)
        figures = result.analysis.model_dump(mode="json")
        card = MarketAnalysisCard(symbol=result.symbol, period=result.period, figures=figures)
        return ToolOutput(
            data={"symbol": result.symbol, "period": result.period.value, **figures}, cards=[card]
        )

    def portfolio_analysis(self, context: TurnContext, _args: NoArguments) -> ToolOutput:
        insights = self._p.insights.analyse(context.user_id)
        if insights.analysis is None:
            raise NotFound(f"nothing to analyse: {insights.unavailable}")
        figures = insights.analysis.model_dump(mode="json")
        data = {**figures, "risk_score_max": RISK_SCORE_MAX}
        return ToolOutput(data=data, cards=[PortfolioAnalysisCard(figures=figures)])

    def quote(self, context: TurnContext, args: TradeArgs) -> ToolOutput:
        plan = self._plan(context, args, needs_vault=False)
        quote = self._p.quotes.quote(plan.chain, plan.sell, plan.buy, plan.amount, plan.side)
        card = QuoteCard(
            chain=quote.chain,
            sell=quote.token_in,
            buy=quote.token_out,
            amount_in=quote.amount_in_units,
            amount_out=quote.amount_out_units,
            execution_price=_significant(quote.execution_price),
            price_impact_bps=None if quote.price_impact_bps is None else _pct(quote.price_impact_bps),
            route=quote.route.label,
            gas_estimate=quote.gas_estimate,
        )
        data = {**card.model_dump(mode="json", exclude={"type"}), **_plan_data(plan)}
        return ToolOutput(data=data, cards=[card], actions=[ask("Propose this trade", "do it")])

    def propose(self, context: TurnContext, args: ProposeArgs) -> ToolOutput:
        proposed = (vault_symbol(args.sell), vault_symbol(args.buy))
        if context.trade_pair is None or proposed != tuple(vault_symbol(t) for t in context.trade_pair):
            raise InvalidInput("a proposal may only trade the tokens the user named in their message")
        plan = self._plan(context, args, needs_vault=True)
        if plan.vault_id is None:  # needs_vault guarantees one; kept for the type
            raise NotFound("no vault")
        request = TradeRequest(
            vault=plan.vault_id,
            sell_token=plan.sell,
            buy_token=plan.buy,
            amount=plan.amount,
            side=plan.side,
            max_slippage_bps=args.max_slippage_bps,
            origin=TradeOrigin.ASSISTANT,
        )
        # One key per turn: a retried chat turn finds the trade it already proposed.
        key = f"chat:{context.conversation_id}:{context.turn_index}"
        trade, _ = self._p.trades.submit(context.user_id, key, request)
        trade = self._settled(context.user_id, trade)
        cards: list[Card] = [_trade_card(trade, plan.chain, "trade_proposal")]
        if trade.risk is not None:
            cards.append(_risk_card(trade))
        waiting = trade.status is TradeStatus.AWAITING_APPROVAL
        data = {
            **_trade_data(trade, plan.chain),
            **_plan_data(plan),
            "risk": None if trade.risk is None else _risk_data(trade),
        }
        return ToolOutput(data=data, cards=cards, actions=trade_actions(trade.id, waiting))

    def trade_status(self, context: TurnContext, args: TradeStatusArgs) -> ToolOutput:
        if args.trade_id is None:
            latest = self._p.trades.list(context.user_id, 1, None)
            if not latest:
                raise NotFound("you have no trades yet")
            trade = latest[0]
        else:
            trade = self._p.trades.get(context.user_id, args.trade_id)
        chain = str((trade.quote or {}).get("chain", ""))
        actions: list[Action] = trade_actions(trade.id, trade.status is TradeStatus.AWAITING_APPROVAL)
        return ToolOutput(
            data=_trade_data(trade, chain), cards=[_trade_card(trade, chain, "trade_status")], actions=actions
        )

    def yields(self, _context: TurnContext, args: YieldArgs) -> ToolOutput:
        options = [
            o for o in self._p.yields() if args.asset is None or o.asset.upper() == vault_symbol(args.asset)
        ]
        vaults = tuple(
            {
                "vault": o.vault,
                "asset": o.asset,
                "chain": o.chain,
                "apy_pct": str(_pct(o.apy * 100)),
                "gas_usd": str(_cents(o.gas_usd)),
            }
            for o in sorted(options, key=lambda o: -o.apy)
        )
        return ToolOutput(data={"vaults": list(vaults)}, cards=[YieldsCard(vaults=vaults)])

    def recommendations(self, context: TurnContext, _args: NoArguments) -> ToolOutput:
        insights = self._p.insights.recommendations(context.user_id)
        if insights.analysis is None:
            raise NotFound(f"nothing to recommend on: {insights.unavailable}")
        views = tuple(recommendation_view(r) for r in insights.recommendations)
        data = {
            "total_usd": str(_cents(insights.total_usd)),
            "risk_score": insights.analysis.risk.score,
            "risk_score_max": RISK_SCORE_MAX,
            "recommendations": list(views),
        }
        actions = [
            ask(f"Propose: {r.recommendation.title}", _trade_message(r.trade))
            for r in insights.recommendations
            if r.trade is not None
        ]
        return ToolOutput(data=data, cards=[RecommendationsCard(recommendations=views)], actions=actions)

    def _plan(self, context: TurnContext, args: TradeArgs, *, needs_vault: bool) -> TradePlan:
        return self._p.planner.plan(
            context.user_id,
            args.sell,
            args.buy,
            Decimal(args.amount),
            args.amount_unit,
            chain=args.chain,
            amount_token=args.amount_token,
            needs_vault=needs_vault,
        )

    def _settled(self, user_id: str, trade: Trade) -> Trade:
        """The trade once the flow has analysed and assessed it, or as it is when that takes too long."""
        deadline = time.monotonic() + self._p.proposal_wait_s
        while trade.status is TradeStatus.ANALYZING and time.monotonic() < deadline:
            time.sleep(0.05)
            trade = self._p.trades.get(user_id, trade.id)
        return trade


def _trade_message(trade: ReadyTrade) -> str:
    """The chat message that proposes ``trade``, in words the offline parser reads back exactly."""
    amount = f"{trade.amount.normalize():f}"
    if trade.side == TradeSide.EXACT_OUT.value:
        return f"buy {amount} {trade.buy_token} with {trade.sell_token} on {trade.chain}"
    return f"swap {amount} {trade.sell_token} to {trade.buy_token} on {trade.chain}"


def _plan_data(plan: TradePlan) -> dict[str, Any]:
    return {"plan": plan.model_dump(mode="json")}


def _trade_card(trade: Trade, chain: str, kind: Literal["trade_proposal", "trade_status"]) -> TradeCard:
    request = trade.request
    return TradeCard(
        type=kind,
        trade_id=trade.id,
        status=trade.status.value,
        chain=chain,
        vault=request.vault,
        sell=request.sell_token,
        buy=request.buy_token,
        amount=request.amount,
        side=request.side.value,
        tx_hash=trade.tx_hash,
        error=trade.error,
    )


def _trade_data(trade: Trade, chain: str) -> dict[str, Any]:
    data = _trade_card(trade, chain, "trade_status").model_dump(mode="json", exclude={"type"})
    for field in ("amount_in", "amount_out", "executed_price", "effective_slippage_bps"):
        value = getattr(trade, field)
        data[field] = None if value is None else str(value)
    return data


def _risk_data(trade: Trade) -> dict[str, Any]:
    risk = trade.risk or {}
    return {
        "score": risk.get("score"),
        "score_max": RISK_SCORE_MAX,
        "decision": risk.get("decision"),
        "findings": [{"code": f.get("code"), "message": f.get("message")} for f in risk.get("findings", [])],
    }


def _risk_card(trade: Trade) -> RiskReportCard:
    risk = _risk_data(trade)
    return RiskReportCard(
        trade_id=trade.id, score=risk["score"], decision=risk["decision"], findings=tuple(risk["findings"])
    )


def _cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def _pct(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def _units(value: Decimal) -> Decimal:
    """Six places at most, trailing zeros dropped, never in exponent form (25000, not 2.5E+4)."""
    trimmed = value.quantize(Decimal("0.000001")).normalize()
    return trimmed.quantize(Decimal(1)) if trimmed.as_tuple().exponent > 0 else trimmed  # type: ignore[operator]


def _significant(value: Decimal) -> Decimal:
    """Six significant figures: a price of 0.000333 WETH per USDC keeps its digits, 2,980.47 its cents."""
    if not value:
        return value
    return value.quantize(Decimal(1).scaleb(value.adjusted() - 5)).normalize()
