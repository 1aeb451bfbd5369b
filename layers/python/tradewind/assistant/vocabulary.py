"""The offline engine's fixed word lists and tokenizer.

Every pattern here is a constant: user text is only ever matched against these, never compiled into a
pattern or evaluated, so whatever a message says it stays data.

Numbers: "0.5", ".5", "1,000" (commas only in groups of three, so the European "1,5" reads as two
numbers and is refused as ambiguous) and a "k" suffix for thousands ("1k", "2.5k", "$1.5k"), which
people write in chat; no other suffixes ("m", "bn") and no words ("ten").
"""

from __future__ import annotations

import re
from decimal import Decimal

from tradewind.market.periods import Period

# A number is committed atomically so that "1.5k" cannot backtrack into "1" followed by ".5k";
# thousands separators are accepted only in groups of three, so "1,5" reads as two numbers (ambiguous).
_TOKEN = re.compile(
    r"(?P<num>(?>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+))(?P<k>k)?(?![a-z0-9])"
    r"|(?P<word>[a-z0-9]+)"
    r"|(?P<mark>[$%])",
    re.ASCII,  # "\d" is 0-9 only: other scripts' digits are not amounts
)
_NUMBER = re.compile(r"\d+(?:\.\d+)?", re.ASCII)
# Upper-case words in a mixed-case message read as ticker symbols ("price of DOGE").
SHOUTED_WORD = re.compile(r"\b[A-Z][A-Z0-9]+\b")

TRADE_SELL_VERBS = frozenset({"swap", "sell", "convert", "trade", "exchange", "dump"})
TRADE_BUY_VERBS = frozenset({"buy", "purchase"})
UNSUPPORTED_VERBS = frozenset(
    {"transfer", "send", "withdraw", "bridge", "approve", "lend", "borrow", "stake"}
)

# Which side a symbol is on, by the word just before it, for each way of phrasing an exchange.
SELL_PHRASING_MARKERS = {
    "to": "buy",
    "into": "buy",
    "for": "buy",
    "with": "sell",
    "using": "sell",
    "from": "sell",
}
BUY_PHRASING_MARKERS = {
    "to": "buy",
    "into": "buy",
    "for": "sell",
    "with": "sell",
    "using": "sell",
    "from": "sell",
}
QUOTE_MARKERS = {
    "much": "buy",
    "many": "buy",
    "to": "buy",
    "into": "buy",
    "in": "buy",
    "for": "sell",
    "with": "sell",
}
# Words that may sit between a marker and its symbol ("for 200 USDC", "with half my USDC").
MARKER_GAP = frozenset(
    {"my", "the", "some", "of", "a", "an", "all", "half", "quarter", "%", "$", "percent", "usd"}
)

QUOTE_WORDS = frozenset({"quote"})
QUOTE_PHRASES = (("how", "much"), ("how", "many"), ("would", "i", "get"), ("do", "i", "get"))
PRICE_WORDS = frozenset({"price", "prices", "priced", "cost", "costs", "worth", "value", "trading", "quoted"})
PRICE_PHRASES = (("how", "much", "is"), ("how", "much", "are"))
ANALYSIS_WORDS = frozenset(
    {
        "volatile",
        "volatility",
        "analysis",
        "analyse",
        "analyze",
        "trend",
        "trending",
        "performance",
        "performing",
        "perform",
        "performed",
        "drawdown",
        "rsi",
        "momentum",
        "doing",
        "done",
        "moved",
        "moving",
    }
)
RECOMMENDATION_WORDS = frozenset(
    {
        "recommend",
        "recommendation",
        "recommendations",
        "suggest",
        "suggestion",
        "suggestions",
        "advice",
        "advise",
        "ideas",
    }
)
RECOMMENDATION_PHRASES = (("should", "i"), ("what", "to", "do"))
PORTFOLIO_WORDS = frozenset(
    {
        "portfolio",
        "balance",
        "balances",
        "holdings",
        "holding",
        "hold",
        "have",
        "own",
        "positions",
        "position",
        "wallet",
    }
)

# "How risky is my portfolio?": the portfolio as a whole, not one token's market.
PORTFOLIO_RISK_WORDS = frozenset(
    {
        "risk",
        "risky",
        "riskiness",
        "concentrated",
        "concentration",
        "diversified",
        "diversification",
        "exposure",
    }
)
# "Did my trade go through?": asked about a trade, these mean its status, not a new one.
TRADE_NOUNS = frozenset({"trade", "trades", "order", "orders", "swap", "swaps", "proposal"})
STATUS_WORDS = frozenset(
    {"status", "happened", "through", "pending", "confirmed", "executed", "done", "filled"}
)
YIELD_WORDS = frozenset({"yield", "yields", "apy", "apr", "interest", "earn", "earning", "vault", "vaults"})

CONFIRM_TRIGGERS = frozenset({"do", "yes", "yeah", "yep", "go", "confirm", "confirmed", "proceed", "execute"})
CONFIRM_WORDS = CONFIRM_TRIGGERS | frozenset(
    {"it", "ahead", "ok", "okay", "sure", "please", "that", "now", "y"}
)

PERCENT_WORDS = {"half": Decimal(50), "quarter": Decimal(25), "all": Decimal(100)}
PERCENT_UNITS = frozenset({"%", "percent", "pct"})
USD_UNITS = frozenset({"usd", "dollar", "dollars", "bucks"})
AMOUNT_TO_SYMBOL_GAP = frozenset({"of", "my", "the", "worth"})

# Words with no meaning of their own here that must still not read as an unknown ticker or chain:
# "on it", "on average", "and what about", "on the arbitrum network".
FILLER_WORDS = frozenset(
    {
        "on",
        "in",
        "at",
        "it",
        "that",
        "this",
        "average",
        "me",
        "a",
        "top",
        "chain",
        "network",
        "and",
        "what",
        "how",
        "make",
        "instead",
        "same",
        "now",
        "then",
        "about",
        "is",
        "are",
        "whats",
        "s",
        "i",
        "show",
        "tell",
        "get",
        "last",
        "past",
        "over",
    }
)

PERIOD_WORDS = {
    ("24h",): Period.DAY,
    ("today",): Period.DAY,
    ("day",): Period.DAY,
    ("1d",): Period.DAY,
    ("24", "hours"): Period.DAY,
    ("7d",): Period.WEEK,
    ("week",): Period.WEEK,
    ("weekly",): Period.WEEK,
    ("7", "days"): Period.WEEK,
    ("30d",): Period.MONTH,
    ("month",): Period.MONTH,
    ("monthly",): Period.MONTH,
    ("30", "days"): Period.MONTH,
}

# What people call the chains we know, besides their key and name. Names that are also token symbols
# ("ARB", "OP") are left out: "sell ARB" must read as the token.
CHAIN_ALIASES: dict[str, tuple[str, ...]] = {
    "ethereum": ("mainnet", "ethereum mainnet"),
    "arbitrum": ("arbitrum",),
    "optimism": ("optimism",),
    "base": (),
    "polygon": ("polygon",),
    "local-l1": ("l1",),
    "local-l2": ("l2",),
}

KNOWN_WORDS = (
    TRADE_SELL_VERBS
    | TRADE_BUY_VERBS
    | UNSUPPORTED_VERBS
    | QUOTE_WORDS
    | PRICE_WORDS
    | ANALYSIS_WORDS
    | RECOMMENDATION_WORDS
    | PORTFOLIO_WORDS
    | PORTFOLIO_RISK_WORDS
    | TRADE_NOUNS
    | STATUS_WORDS
    | YIELD_WORDS
    | CONFIRM_WORDS
    | PERCENT_UNITS
    | USD_UNITS
    | FILLER_WORDS
    | MARKER_GAP
    | AMOUNT_TO_SYMBOL_GAP
    | frozenset(PERCENT_WORDS)
    | frozenset(SELL_PHRASING_MARKERS)
    | frozenset(QUOTE_MARKERS)
    | frozenset(word for phrase in PERIOD_WORDS for word in phrase)
)


def tokenize(text: str) -> list[str]:
    """Lower-cased words, numbers (thousands commas removed, "1k" expanded) and the signs ``$`` and ``%``."""
    tokens: list[str] = []
    for match in _TOKEN.finditer(text.lower()):
        number = match.group("num")
        if number is None:
            tokens.append(match.group("word") or match.group("mark"))
            continue
        value = Decimal(number.replace(",", ""))
        tokens.append(str(value * 1000 if match.group("k") else value))
    return tokens


def as_number(token: str) -> Decimal | None:
    """The token's value if it is a plain number as ``tokenize`` writes them."""
    return Decimal(token) if _NUMBER.fullmatch(token) else None
