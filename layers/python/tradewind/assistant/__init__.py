"""The assistant's offline engine: reading chat messages into intents without a model (no I/O).

``parse`` reads one message, with the known tokens and chains and the previous turn, into an
``Intent``; anything it cannot pin down is an ``UnknownIntent`` with a reason, never a guess.
"""

from tradewind.assistant.intents import (
    Amount,
    AnalysisIntent,
    ConfirmIntent,
    Context,
    Intent,
    KnownChain,
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
    UsdAmount,
    YieldIntent,
    parse,
)

__all__ = [
    "Amount",
    "AnalysisIntent",
    "ConfirmIntent",
    "Context",
    "Intent",
    "KnownChain",
    "PercentAmount",
    "PortfolioAnalysisIntent",
    "PortfolioIntent",
    "PriceIntent",
    "ProposeTradeIntent",
    "QuoteIntent",
    "RecommendationsIntent",
    "TokenAmount",
    "TradeStatusIntent",
    "UnknownIntent",
    "UnknownReason",
    "UsdAmount",
    "YieldIntent",
    "parse",
]
