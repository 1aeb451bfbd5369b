"""The built-in engine: answers without a model by reading the message into an intent, calling the
same tools a model would, and writing the reply from their results with fixed templates.

Every figure in a reply is formatted from a tool's data (money to the cent, amounts as the tool
gave them), so the grounding check holds by construction; the suite checks it on every case.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from tradewind.assistant.engine import EngineTurn
from tradewind.assistant.intents import (
    Amount,
    AnalysisIntent,
    ConfirmIntent,
    Intent,
    PercentAmount,
    PortfolioAnalysisIntent,
    PortfolioIntent,
    PriceIntent,
    ProposeTradeIntent,
    QuoteIntent,
    RecommendationsIntent,
    TokenAmount,
    TradeStatusIntent,
    UnknownIntent,
    UnknownReason,
    YieldIntent,
)
from tradewind.assistant.toolbox import Toolbox, ToolResult, TurnContext
from tradewind.market.periods import Period

HELP = (
    "I can show your portfolio and balances, prices and market analysis, advise on the portfolio "
    '("what should I do?"), quote swaps and propose them for your approval '
    '("swap half my ETH on the L2 to USDC").'
)
_REFUSALS: dict[UnknownReason, str] = {
    UnknownReason.NOT_UNDERSTOOD: "I can't help with that.",
    UnknownReason.UNSUPPORTED: (
        "I can't do that: I never move funds out of your vaults (no transfers, bridges, lending or "
        "approvals). I can quote a swap and propose it for your approval."
    ),
    UnknownReason.UNKNOWN_SYMBOL: "I don't know that token: I only know the tokens listed on your chains.",
    UnknownReason.MISSING_SYMBOL: "Which tokens? Name the token to sell and the token to buy.",
    UnknownReason.AMBIGUOUS_SYMBOL: "That names more tokens than I can tell apart; name one of each side.",
    UnknownReason.SAME_SYMBOL: "That sells and buys the same token.",
    UnknownReason.UNKNOWN_CHAIN: "I don't know that chain: I only know the chains Tradewind runs on.",
    UnknownReason.AMBIGUOUS_CHAIN: "That names two chains; which one do you mean?",
    UnknownReason.MISSING_AMOUNT: 'How much? Say an amount, a share ("half", "a quarter") or a dollar value.',
    UnknownReason.AMBIGUOUS_AMOUNT: "That has more than one amount; which one do you mean?",
    UnknownReason.INVALID_AMOUNT: "I can't trade that amount: it must be above zero, a share at most all.",
    UnknownReason.NOTHING_TO_CONFIRM: "There is nothing to confirm: ask for a quote or a trade first.",
    UnknownReason.NOTHING_TO_FOLLOW_UP: "I'm not sure what that refers to; ask me a whole question.",
    UnknownReason.NOT_APPLICABLE: "That doesn't fit what we were talking about; ask me a whole question.",
}


# Calls one tool by name with keyword arguments, recording the result for the turn.
Call = Callable[..., ToolResult]


class OfflineEngine:
    """Intent in, tool calls, templated reply out."""

    def __init__(self, toolbox: Toolbox) -> None:
        self._toolbox = toolbox

    def turn(self, context: TurnContext, intent: Intent) -> EngineTurn:
        results: list[ToolResult] = []

        def call(name: str, **arguments: Any) -> ToolResult:
            result = self._toolbox.call(context, name, {k: v for k, v in arguments.items() if v is not None})
            results.append(result)
            return result

        reply = self._answer(intent, call)
        return EngineTurn(reply=reply, engine="offline", tool_results=tuple(results))

    def _answer(self, intent: Intent, call: Call) -> str:
        answer = _ANSWERS.get(type(intent))
        return _refusal(intent) if answer is None else answer(intent, call)


def _analysis_turn(intent: AnalysisIntent, call: Call) -> str:
    period = (intent.period or Period.WEEK).value
    analysis = call("analyse_market", symbol=intent.symbol, period=period)
    return _analysis(analysis, call("get_price_history", symbol=intent.symbol, period=period))


def _confirm_turn(intent: ConfirmIntent, call: Call) -> str:
    if isinstance(intent.proposal, QuoteIntent):
        return _proposal(call("propose_trade", **_trade_arguments(intent.proposal)))
    # The trade was proposed in the previous turn; approving it is the user's act, not ours.
    return _already_proposed(call("get_trade_status"))


_ANSWERS: dict[type, Callable[[Any, Call], str]] = {
    PortfolioIntent: lambda i, call: _portfolio(call("get_portfolio", chain=i.chain, token=i.token)),
    PriceIntent: lambda i, call: _prices(call("get_prices", symbols=list(i.symbols))),
    AnalysisIntent: _analysis_turn,
    RecommendationsIntent: lambda _i, call: _recommendations(call("get_recommendations")),
    PortfolioAnalysisIntent: lambda _i, call: _portfolio_analysis(call("analyse_portfolio")),
    YieldIntent: lambda i, call: _yields(call("find_yield", asset=i.asset), i.asset),
    TradeStatusIntent: lambda _i, call: _trade_status(call("get_trade_status")),
    QuoteIntent: lambda i, call: _quote(call("get_quote", **_trade_arguments(i))),
    ProposeTradeIntent: lambda i, call: _proposal(call("propose_trade", **_trade_arguments(i))),
    ConfirmIntent: _confirm_turn,
}


def _trade_arguments(intent: QuoteIntent | ProposeTradeIntent) -> dict[str, Any]:
    return {"sell": intent.sell, "buy": intent.buy, "chain": intent.chain, **_amount(intent.amount)}


def _amount(amount: Amount) -> dict[str, Any]:
    if isinstance(amount, TokenAmount):
        return {"amount": _plain(amount.value), "amount_unit": "tokens", "amount_token": amount.token}
    unit = "percent" if isinstance(amount, PercentAmount) else "usd"
    return {"amount": _plain(amount.value), "amount_unit": unit}


def _refusal(intent: UnknownIntent | Intent) -> str:
    reason = intent.reason if isinstance(intent, UnknownIntent) else UnknownReason.NOT_UNDERSTOOD
    text = _REFUSALS[reason]
    return text if reason is not UnknownReason.NOT_UNDERSTOOD else f"{text} {HELP}"


def _failed(result: ToolResult, what: str) -> str:
    return f"I couldn't {what}: {result.error}."


# Replies, one per tool result


def _portfolio(result: ToolResult) -> str:
    if not result.ok:
        return _failed(result, "read your portfolio")
    data = result.data
    holdings = data["holdings"]
    scope = f" on {data['chain']}" if data["chain"] else ""
    if data["token"]:
        if not holdings:
            return f"You hold no {data['token']}{scope}."
        lines = [f"You hold{scope}:"] + [f"- {_holding(h)}" for h in holdings]
        return "\n".join(lines)
    if not holdings:
        return f"Your portfolio{scope} is empty: add a wallet or a vault to see it here."
    chains = data["by_chain"]
    lines = [f"Your portfolio{scope} is worth **{_usd(data['total_usd'])}**" + _across(chains) + "."]
    lines += [f"- {_holding(h)}" for h in holdings[:5]]
    if len(holdings) > 5:
        lines.append(f"- and {len(holdings) - 5} more holdings (in the card)")
    if data["stale_chains"]:
        lines.append(
            f"Served from the last snapshot for {', '.join(data['stale_chains'])}: the chain did not answer."
        )
    if data["unpriced"]:
        lines.append(f"Not priced: {', '.join(data['unpriced'][:5])}.")
    return "\n".join(lines)


def _across(chains: dict[str, str]) -> str:
    if len(chains) < 2:
        return ""
    return " (" + ", ".join(f"{chain} {_usd(usd)}" for chain, usd in chains.items()) + ")"


def _holding(h: dict[str, Any]) -> str:
    value = "unpriced" if h["usd"] is None else f"{_usd(h['usd'])}, {h['share_pct']}%"
    return f"{h['amount']} {h['symbol']} ({value})"


def _prices(result: ToolResult) -> str:
    if not result.ok:
        return _failed(result, "get those prices")
    lines = []
    for p in result.data["prices"]:
        warning = " (sources disagree: take it with care)" if p["flagged"] else ""
        lines.append(f"- {p['symbol']}: {_usd(p['usd'])}{warning}")
    if result.data["unknown"]:
        lines.append(f"No price for {', '.join(result.data['unknown'])}.")
    return "\n".join(lines)


def _analysis(analysis: ToolResult, history: ToolResult) -> str:
    if not analysis.ok:
        return _failed(analysis, "analyse that")
    a = analysis.data
    lines = [f"**{a['symbol']} over {a['period']}** ({a['candles']} candles):"]
    if history.ok:
        h = history.data
        lines.append(f"- last {_usd(h['last_close'])}, {_signed(h['change_pct'])}% over the period")
    if a["realised_volatility_annualised"] is not None:
        lines.append(f"- volatility {_fraction_pct(a['realised_volatility_annualised'])}% a year")
    if a["trend"] is not None:
        lines.append(
            f"- trend {a['trend']} (short average {_usd(a['sma_short'])}, long {_usd(a['sma_long'])})"
        )
    if a["max_drawdown"] is not None:
        lines.append(f"- largest drawdown {_fraction_pct(a['max_drawdown']['fraction'])}%")
    if a["rsi"] is not None:
        lines.append(f"- RSI {_round(a['rsi'], 2)}")
    if len(lines) == 1:
        lines.append("- not enough recorded prices yet for these figures")
    return "\n".join(lines)


def _recommendations(result: ToolResult) -> str:
    if not result.ok:
        return _failed(result, "work out recommendations")
    data = result.data
    items = data["recommendations"]
    head = (
        f"Your portfolio of {_usd(data['total_usd'])} has a risk score of {data['risk_score']} "
        f"out of {data['risk_score_max']}."
    )
    if not items:
        return f"{head} Nothing needs doing: it is within your targets and limits."
    lines = [head, ""]
    for item in items:  # bullets, not numbers: a list number would be a figure no tool gave
        lines.append(f"- **{item['title']}**: {item['rationale']}")
        if item["trade"] is None and item["proposal"] is not None and item["trade_unavailable"]:
            lines.append(f"   (Not ready to trade: {item['trade_unavailable']}.)")
    return "\n".join(lines)


def _portfolio_analysis(result: ToolResult) -> str:
    if not result.ok:
        return _failed(result, "analyse your portfolio")
    a = result.data
    largest = a["largest"]
    lines = [
        f"Your portfolio's risk score is {a['risk']['score']} out of {a['risk_score_max']}.",
        f"- largest holding {largest['symbol']} at {_fraction_pct(largest['weight'])}% "
        f"(HHI {_round(a['hhi'], 4)}, like {_round(a['effective_holdings'], 2)} equal holdings)",
        f"- stablecoins {_fraction_pct(a['stablecoin_share'])}% of it",
    ]
    if a["volatility_annualised"] is not None:
        lines.append(f"- volatility {_fraction_pct(a['volatility_annualised'])}% a year")
    if a["max_drawdown"] is not None:
        lines.append(f"- largest drawdown {_fraction_pct(a['max_drawdown']['fraction'])}%")
    lines += [f"- {reason['text']}" for reason in a["risk"]["reasons"]]
    lines += [f"- {figure.replace('_', ' ')}: {why}" for figure, why in a["unavailable"].items()]
    return "\n".join(lines)


def _yields(result: ToolResult, asset: str | None) -> str:
    if not result.ok:
        return _failed(result, "read the vaults' yields")
    vaults = result.data["vaults"]
    if not vaults:
        taking = f" taking {asset}" if asset else ""
        return f"No vault{taking} has a measured yield yet: its APY needs its share price over the lookback."
    lines = ["Measured yields (from each vault's share price growth):"]
    lines += [
        f"- {v['vault']} on {v['chain']} takes {v['asset']}: {v['apy_pct']}% APY; a deposit costs about "
        f"{_usd(v['gas_usd'])} in gas"
        for v in vaults
    ]
    return "\n".join(lines)


def _trade_status(result: ToolResult) -> str:
    if not result.ok:
        return _failed(result, "find your trade")
    t = result.data
    amount = _trade_amount(t)
    status = t["status"].replace("_", " ")
    line = f"Your latest trade {t['trade_id']} ({t['sell']} to {t['buy']}, {amount}) is {status}"
    if t["amount_out"] is not None:
        sold, bought = _plain_text(t["amount_in"]), _plain_text(t["amount_out"])
        line += f": it sold {sold} {t['sell']} for {bought} {t['buy']}"
    if t["error"]:
        line += f": {t['error']}"
    return line + "."


def _quote(result: ToolResult) -> str:
    if not result.ok:
        return _failed(result, "quote that")
    q = result.data
    impact = "" if q["price_impact_bps"] is None else f", price impact {q['price_impact_bps']} bps"
    return (
        f"Selling {_plain_text(q['amount_in'])} {q['sell']} on {q['chain']} gets about "
        f"{_plain_text(q['amount_out'])} {q['buy']} ({q['execution_price']} {q['buy']} per {q['sell']}"
        f'{impact}, route {q["route"]}). Say "do it" and I\'ll propose it for your approval.'
    )


def _proposal(result: ToolResult) -> str:
    if not result.ok:
        return _failed(result, "propose that trade")
    t = result.data
    amount = _trade_amount(t)
    head = f"I proposed trade {t['trade_id']}: {t['sell']} to {t['buy']}, {amount}, on {t['chain']}."
    risk = t["risk"]
    if t["status"] == "awaiting_approval":
        score = (
            "" if risk is None else f" The risk check scored it {risk['score']} out of {risk['score_max']}."
        )
        waits = "It waits for your approval: approve or reject it below. I never execute it myself."
        return f"{head}{score} {waits}"
    if t["status"] == "rejected":
        reasons = "; ".join(f["message"] for f in (risk or {}).get("findings", []) if f["message"])
        return f"{head} The risk check rejected it: {reasons or t['error']}."
    if t["status"] == "analyzing":
        return f"{head} It is still being analysed; it will wait for your approval."
    return f"{head} It is {t['status'].replace('_', ' ')}" + (f": {t['error']}." if t["error"] else ".")


def _already_proposed(result: ToolResult) -> str:
    if not result.ok:
        return _failed(result, "find that trade")
    t = result.data
    if t["status"] == "awaiting_approval":
        return (
            f"Trade {t['trade_id']} is waiting for your approval. I can't approve trades for you: "
            "use the Approve action."
        )
    return f"Trade {t['trade_id']} is {t['status'].replace('_', ' ')}."


def _trade_amount(trade: dict[str, Any]) -> str:
    """The amount the trade fixes, in its token: what is sold (exact in) or what is bought (exact out)."""
    token = trade["sell"] if trade["side"] == "exact_in" else trade["buy"]
    return f"{_plain_text(trade['amount'])} {token}"


# Formatting: every figure is shown from the tool's own text, so the grounding check finds it.


def _usd(value: str | Decimal) -> str:
    return f"${Decimal(value):,.2f}"


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _plain_text(value: str) -> str:
    return _plain(Decimal(value))


def _round(value: str | float, places: int) -> str:
    return f"{Decimal(str(value)):.{places}f}"


def _fraction_pct(value: str | float) -> str:
    return f"{Decimal(str(value)) * 100:.2f}"


def _signed(value: str) -> str:
    number = Decimal(value)
    return f"+{number}" if number > 0 else f"{number}"
