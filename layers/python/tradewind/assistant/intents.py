"""What a chat message asks for, read without a model: the offline engine's pure, deterministic parser.

``parse`` turns one message plus the previous turn into an ``Intent``. It only matches the message's
words against the fixed lists in ``vocabulary`` and the caller's known symbols and chains; nothing in
the text is evaluated or compiled, and anything it cannot pin down becomes ``UnknownIntent`` with a
reason rather than a guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tradewind.assistant import vocabulary as v
from tradewind.market.periods import Period

Side = Literal["sell", "buy"]


class _Model(BaseModel):
    # strict: a float can never slip into an amount (Decimal only), and intents are values.
    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")


class TokenAmount(_Model):
    """An exact number of units of ``token`` (either side of the trade: "buy 10 LINK" fixes the output)."""

    unit: Literal["tokens"] = "tokens"
    value: Decimal = Field(gt=0)
    token: str


class PercentAmount(_Model):
    """A share of the holdings of the token being sold ("half" is 50)."""

    unit: Literal["percent"] = "percent"
    value: Decimal = Field(gt=0, le=100)


class UsdAmount(_Model):
    """The trade's size in US dollars ("$200 of ETH")."""

    unit: Literal["usd"] = "usd"
    value: Decimal = Field(gt=0)


Amount = Annotated[TokenAmount | PercentAmount | UsdAmount, Field(discriminator="unit")]


class PortfolioIntent(_Model):
    """Balances, optionally narrowed to one chain and one token."""

    kind: Literal["portfolio"] = "portfolio"
    chain: str | None = None
    token: str | None = None


class PriceIntent(_Model):
    """Current prices of the named tokens."""

    kind: Literal["price"] = "price"
    symbols: tuple[str, ...] = Field(min_length=1)


class AnalysisIntent(_Model):
    """Market analysis of one token; no period means the caller's default."""

    kind: Literal["analysis"] = "analysis"
    symbol: str
    period: Period | None = None


class PortfolioAnalysisIntent(_Model):
    """The portfolio's concentration, volatility and risk ("how risky is my portfolio?")."""

    kind: Literal["portfolio_analysis"] = "portfolio_analysis"


class TradeStatusIntent(_Model):
    """Where the user's latest trade is ("did my trade go through?")."""

    kind: Literal["trade_status"] = "trade_status"


class YieldIntent(_Model):
    """The vaults' measured yields, optionally only those taking ``asset``."""

    kind: Literal["yield"] = "yield"
    asset: str | None = None


class RecommendationsIntent(_Model):
    """Advice on the whole portfolio ("what should I do?")."""

    kind: Literal["recommendations"] = "recommendations"


class QuoteIntent(_Model):
    """What selling ``amount`` of ``sell`` for ``buy`` would return, without committing to it."""

    kind: Literal["quote"] = "quote"
    sell: str
    buy: str
    amount: Amount
    chain: str | None = None


class ProposeTradeIntent(_Model):
    """A trade to propose; nothing executes until a ``ConfirmIntent`` for it.

    ``phrased_as`` records whether the user named the token sold ("swap ETH") or bought ("buy LINK"), so a
    follow-up naming a bare token ("and WBTC?") replaces the token they were talking about.
    """

    kind: Literal["propose_trade"] = "propose_trade"
    sell: str
    buy: str
    amount: Amount
    chain: str | None = None
    phrased_as: Side = "sell"


class ConfirmIntent(_Model):
    """A "do it": carries the exact proposal confirmed, so execution never re-reads the conversation."""

    kind: Literal["confirm"] = "confirm"
    proposal: Annotated[QuoteIntent | ProposeTradeIntent, Field(discriminator="kind")]


class UnknownReason(StrEnum):
    """Why a message was not understood; a code, so no user text is echoed back."""

    NOT_UNDERSTOOD = "not_understood"
    UNSUPPORTED = "unsupported"  # transfers, bridging, lending: the assistant only quotes and trades
    UNKNOWN_SYMBOL = "unknown_symbol"
    MISSING_SYMBOL = "missing_symbol"
    AMBIGUOUS_SYMBOL = "ambiguous_symbol"
    SAME_SYMBOL = "same_symbol"
    UNKNOWN_CHAIN = "unknown_chain"
    AMBIGUOUS_CHAIN = "ambiguous_chain"
    MISSING_AMOUNT = "missing_amount"
    AMBIGUOUS_AMOUNT = "ambiguous_amount"
    INVALID_AMOUNT = "invalid_amount"
    NOTHING_TO_CONFIRM = "nothing_to_confirm"
    NOTHING_TO_FOLLOW_UP = "nothing_to_follow_up"
    NOT_APPLICABLE = (
        "not_applicable"  # a follow-up that does not fit the previous turn ("and on the L2?" after a price)
    )


class UnknownIntent(_Model):
    """The honest "I can't help with that"."""

    kind: Literal["unknown"] = "unknown"
    reason: UnknownReason


Intent = Annotated[
    PortfolioIntent
    | PriceIntent
    | AnalysisIntent
    | PortfolioAnalysisIntent
    | TradeStatusIntent
    | YieldIntent
    | RecommendationsIntent
    | QuoteIntent
    | ProposeTradeIntent
    | ConfirmIntent
    | UnknownIntent,
    Field(discriminator="kind"),
]


class KnownChain(BaseModel):
    """A chain the user may name: its key and the names and aliases they may call it by."""

    # Lax, unlike intents: callers pass whatever collections they hold (lists, sets).
    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str
    names: tuple[str, ...] = ()


class Context(BaseModel):
    """What the parser may recognise, and the previous turn that follow-ups refer to."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    symbols: frozenset[str]
    chains: tuple[KnownChain, ...] = ()
    previous: Intent | None = None

    @field_validator("symbols", mode="after")
    @classmethod
    def _upper(cls, symbols: frozenset[str]) -> frozenset[str]:
        return frozenset(symbol.upper() for symbol in symbols)


class _Refusal(Exception):
    """Ends parsing early with the reason; ``parse`` turns it into ``UnknownIntent``."""

    def __init__(self, reason: UnknownReason) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class _RawAmount:
    unit: Literal["tokens", "percent", "usd"]
    value: Decimal
    token: str | None = None  # for tokens: the symbol written next to the number, if any


@dataclass(frozen=True)
class _Reading:
    tokens: list[str]  # the whole message, tokenized
    rest: list[str]  # without the chain names and period phrases, where symbols and amounts are read
    symbols: list[str]  # known symbols in ``rest``, in order, without repeats
    chain: str | None
    period: Period | None
    amounts: list[_RawAmount]

    def has(self, words: frozenset[str]) -> bool:
        return not words.isdisjoint(self.tokens)

    def has_phrase(self, phrases: tuple[tuple[str, ...], ...]) -> bool:
        return any(_find(self.tokens, phrase) >= 0 for phrase in phrases)


def parse(message: str, context: Context) -> Intent:
    """Read one chat message in the light of the previous turn; never raises for any text."""
    try:
        return _parse(message, context)
    except _Refusal as refusal:
        return UnknownIntent(reason=refusal.reason)


def _parse(message: str, context: Context) -> Intent:
    reading = _read(message, context)
    if not reading.tokens:
        raise _Refusal(UnknownReason.NOT_UNDERSTOOD)
    # Checked first so no instruction smuggled into a message can become anything that moves funds.
    if reading.has(v.UNSUPPORTED_VERBS):
        raise _Refusal(UnknownReason.UNSUPPORTED)
    if _is_confirmation(reading.tokens):
        return _confirm(context.previous)
    _reject_unknown_tickers(message, context)
    if (advice := _advice(reading)) is not None:
        return advice
    if reading.has(v.TRADE_SELL_VERBS | v.TRADE_BUY_VERBS):
        return _trade(reading)
    if reading.has(v.QUOTE_WORDS) or (
        reading.has_phrase(v.QUOTE_PHRASES) and len(reading.symbols) >= 2 and reading.amounts
    ):
        return _quote(reading)
    return _question(reading) or _follow_up(reading, context.previous)


def _advice(reading: _Reading) -> Intent | None:
    """Questions about the account rather than one market: what to do, where a trade is, where to earn."""
    if reading.has(v.RECOMMENDATION_WORDS) or reading.has_phrase(v.RECOMMENDATION_PHRASES):
        return RecommendationsIntent()
    if reading.has(v.TRADE_NOUNS) and reading.has(v.STATUS_WORDS) and not reading.amounts:
        return TradeStatusIntent()
    if reading.has(v.YIELD_WORDS) and not reading.amounts:
        if len(reading.symbols) > 1:
            raise _Refusal(UnknownReason.AMBIGUOUS_SYMBOL)
        return YieldIntent(asset=next(iter(reading.symbols), None))
    return None


def _question(reading: _Reading) -> Intent | None:
    about_portfolio = reading.has(v.PORTFOLIO_WORDS) and not reading.symbols
    if reading.has(v.PORTFOLIO_RISK_WORDS) or (reading.has(v.ANALYSIS_WORDS) and about_portfolio):
        if reading.symbols:  # one token's risk is its market's: volatility, drawdown
            return AnalysisIntent(symbol=_one_symbol(reading), period=reading.period)
        return PortfolioAnalysisIntent()
    if reading.has(v.ANALYSIS_WORDS):
        return AnalysisIntent(symbol=_one_symbol(reading), period=reading.period)
    if reading.has(v.PORTFOLIO_WORDS):
        if len(reading.symbols) > 1:
            raise _Refusal(UnknownReason.AMBIGUOUS_SYMBOL)
        return PortfolioIntent(chain=reading.chain, token=next(iter(reading.symbols), None))
    if reading.has(v.PRICE_WORDS) or reading.has_phrase(v.PRICE_PHRASES):
        if not reading.symbols:
            raise _Refusal(UnknownReason.UNKNOWN_SYMBOL)
        return PriceIntent(symbols=tuple(reading.symbols))
    return None


# Reading the message


def _read(message: str, context: Context) -> _Reading:
    tokens = v.tokenize(message)
    chain, rest = _find_chain(tokens, context)
    period, rest = _find_period(rest)
    symbols = list(dict.fromkeys(t.upper() for t in rest if t.upper() in context.symbols))
    return _Reading(tokens, rest, symbols, chain, period, _amounts(rest, context.symbols))


def _find(tokens: list[str], phrase: tuple[str, ...]) -> int:
    """Index of ``phrase`` as consecutive tokens, or -1."""
    size = len(phrase)
    return next((i for i in range(len(tokens) - size + 1) if tuple(tokens[i : i + size]) == phrase), -1)


def _chain_names(context: Context) -> list[tuple[tuple[str, ...], str]]:
    names = [
        (tuple(v.tokenize(name)), chain.key) for chain in context.chains for name in (chain.key, *chain.names)
    ]
    # Longest first, so "local l2" is taken whole before "l2" could match inside it.
    return sorted((n for n in names if n[0]), key=lambda n: -len(n[0]))


def _find_chain(tokens: list[str], context: Context) -> tuple[str | None, list[str]]:
    found: set[str] = set()
    rest = list(tokens)
    for name, key in _chain_names(context):
        while (at := _find(rest, name)) >= 0:
            found.add(key)
            rest[at : at + len(name)] = ["the"]  # keeps "on the <chain> to X" from marking X
    if len(found) > 1:
        raise _Refusal(UnknownReason.AMBIGUOUS_CHAIN)
    _reject_unknown_chain(rest, context)
    return next(iter(found), None), rest


def _reject_unknown_chain(rest: list[str], context: Context) -> None:
    """Refuse a chain that is named ("on polygon") but is not one we know, rather than ignore it."""
    for i, word in enumerate(rest[:-1]):
        if word != "on":
            continue
        following = [t for t in rest[i + 1 : i + 3] if t != "the"]
        named = following[0] if following else "the"
        if named.upper() in context.symbols or v.as_number(named) is not None:
            continue
        if named not in v.KNOWN_WORDS:
            raise _Refusal(UnknownReason.UNKNOWN_CHAIN)


def _find_period(tokens: list[str]) -> tuple[Period | None, list[str]]:
    for phrase, period in v.PERIOD_WORDS.items():
        if (at := _find(tokens, phrase)) >= 0:
            return period, tokens[:at] + tokens[at + len(phrase) :]
    return None, tokens


def _amounts(rest: list[str], symbols: frozenset[str]) -> list[_RawAmount]:
    amounts: list[_RawAmount] = []
    i = 0
    while i < len(rest):
        amount, used = _amount_at(rest, i, symbols)
        if amount is not None:
            amounts.append(amount)
        i += used
    return amounts


def _amount_at(rest: list[str], i: int, symbols: frozenset[str]) -> tuple[_RawAmount | None, int]:
    """The amount starting at ``rest[i]`` if any, and how many tokens to move on."""
    word, after = rest[i], (rest[i + 1] if i + 1 < len(rest) else "")
    if word == "$" and (dollars := v.as_number(after)) is not None:
        return _RawAmount("usd", dollars), 2
    if (value := v.as_number(word)) is not None:
        if after in v.PERCENT_UNITS:
            return _RawAmount("percent", value), 2
        if after in v.USD_UNITS:
            return _RawAmount("usd", value), 2
        return _RawAmount("tokens", value, _symbol_after(rest, i + 1, symbols)), 1
    # "half my ETH", "a quarter of it", "make it half"; not "all" in "show all balances".
    if word in v.PERCENT_WORDS and (after in {"", "my", "of", "the"} or after.upper() in symbols):
        return _RawAmount("percent", v.PERCENT_WORDS[word]), 1
    return None, 1


def _symbol_after(rest: list[str], start: int, symbols: frozenset[str]) -> str | None:
    for token in rest[start:]:
        if token.upper() in symbols:
            return token.upper()
        if token not in v.AMOUNT_TO_SYMBOL_GAP:
            return None
    return None


def _reject_unknown_tickers(message: str, context: Context) -> None:
    """An upper-case word that is no known symbol ("price of DOGE") is an unknown token, not a typo to guess.

    Skipped when the whole message is upper case: then capitals say nothing about tickers.
    """
    if message == message.upper():
        return
    chain_words = {word for name, _ in _chain_names(context) for word in name}
    for word in v.SHOUTED_WORD.findall(message):
        lower = word.lower()
        if word not in context.symbols and lower not in v.KNOWN_WORDS and lower not in chain_words:
            raise _Refusal(UnknownReason.UNKNOWN_SYMBOL)


def _one_symbol(reading: _Reading) -> str:
    if not reading.symbols:
        raise _Refusal(UnknownReason.UNKNOWN_SYMBOL)
    if len(reading.symbols) > 1:
        raise _Refusal(UnknownReason.AMBIGUOUS_SYMBOL)
    return reading.symbols[0]


# Trades and quotes


def _trade(reading: _Reading) -> ProposeTradeIntent:
    phrased_as: Side = "sell" if reading.has(v.TRADE_SELL_VERBS) else "buy"
    markers = v.SELL_PHRASING_MARKERS if phrased_as == "sell" else v.BUY_PHRASING_MARKERS
    sell, buy = _sides(reading, markers, phrased_as)
    amount = _amount(_single(reading.amounts), default_token=sell if phrased_as == "sell" else buy)
    return ProposeTradeIntent(sell=sell, buy=buy, amount=amount, chain=reading.chain, phrased_as=phrased_as)


def _quote(reading: _Reading) -> QuoteIntent:
    # "quote 1 ETH for USDC" is phrased like a sale; "how much USDC for 1 ETH" the other way round.
    phrased_as_sale = reading.has(v.QUOTE_WORDS) and not reading.has_phrase(v.QUOTE_PHRASES)
    sell, buy = _sides(reading, v.SELL_PHRASING_MARKERS if phrased_as_sale else v.QUOTE_MARKERS, "sell")
    amount = _amount(_single(reading.amounts), default_token=sell)
    return QuoteIntent(sell=sell, buy=buy, amount=amount, chain=reading.chain)


def _sides(reading: _Reading, markers: dict[str, str], default: Side) -> tuple[str, str]:
    """The tokens sold and bought: the word before a symbol ("to", "with"...) decides, else ``default``."""
    found: dict[str, list[str]] = {"sell": [], "buy": []}
    pending: str | None = None
    for token in reading.rest:
        symbol = token.upper()
        if symbol in reading.symbols:
            side = found[pending or default]
            side.extend([] if symbol in side else [symbol])
            pending = None
        elif token in markers:
            pending = markers[token]
        elif token not in v.MARKER_GAP and v.as_number(token) is None:
            pending = None
    if not found["sell"] or not found["buy"]:
        raise _Refusal(UnknownReason.MISSING_SYMBOL)
    if len(found["sell"]) > 1 or len(found["buy"]) > 1:
        raise _Refusal(UnknownReason.AMBIGUOUS_SYMBOL)
    if found["sell"] == found["buy"]:
        raise _Refusal(UnknownReason.SAME_SYMBOL)
    return found["sell"][0], found["buy"][0]


def _single(amounts: list[_RawAmount]) -> _RawAmount:
    if not amounts:
        raise _Refusal(UnknownReason.MISSING_AMOUNT)
    if len(amounts) > 1:
        raise _Refusal(UnknownReason.AMBIGUOUS_AMOUNT)
    return amounts[0]


def _amount(raw: _RawAmount, default_token: str) -> Amount:
    """The validated amount; a bare number counts in ``default_token``."""
    if raw.value <= 0 or (raw.unit == "percent" and raw.value > 100):
        raise _Refusal(UnknownReason.INVALID_AMOUNT)
    if raw.unit == "percent":
        return PercentAmount(value=raw.value)
    if raw.unit == "usd":
        return UsdAmount(value=raw.value)
    return TokenAmount(value=raw.value, token=raw.token or default_token)


# Turns that refer to the previous one


def _is_confirmation(tokens: list[str]) -> bool:
    words = set(tokens)
    return words <= v.CONFIRM_WORDS and not words.isdisjoint(v.CONFIRM_TRIGGERS)


def _confirm(previous: Intent | None) -> ConfirmIntent:
    # A confirm after a confirm is refused: one "do it" executes one proposal once.
    if isinstance(previous, QuoteIntent | ProposeTradeIntent):
        return ConfirmIntent(proposal=previous)
    raise _Refusal(UnknownReason.NOTHING_TO_CONFIRM)


def _follow_up(reading: _Reading, previous: Intent | None) -> Intent:
    """The previous turn changed by this one: "and on the L2?", "make it 100 instead", "and WBTC?"."""
    if not (reading.chain or reading.symbols or reading.amounts or reading.period):
        raise _Refusal(UnknownReason.NOT_UNDERSTOOD)
    if isinstance(previous, ConfirmIntent):
        previous = previous.proposal
    if previous is None or isinstance(previous, UnknownIntent):
        raise _Refusal(UnknownReason.NOTHING_TO_FOLLOW_UP)
    intent: Intent = previous
    if reading.chain:
        intent = _with(intent, (PortfolioIntent, QuoteIntent, ProposeTradeIntent), chain=reading.chain)
    if reading.period:
        intent = _with(intent, (AnalysisIntent,), period=reading.period)
    if reading.symbols:
        intent = _with_token(intent, reading)
    if reading.amounts:
        intent = _with_amount(intent, _single(reading.amounts))
    return intent


def _with(intent: Intent, kinds: tuple[type[_Model], ...], **changes: object) -> Intent:
    if not isinstance(intent, kinds):
        raise _Refusal(UnknownReason.NOT_APPLICABLE)
    return intent.model_copy(update=changes)


def _with_token(intent: Intent, reading: _Reading) -> Intent:
    if isinstance(intent, PriceIntent):
        return PriceIntent(symbols=tuple(reading.symbols))
    symbol = _one_symbol(reading)
    if isinstance(intent, PortfolioIntent):
        return intent.model_copy(update={"token": symbol})
    if isinstance(intent, AnalysisIntent):
        return intent.model_copy(update={"symbol": symbol})
    if isinstance(intent, YieldIntent):
        return intent.model_copy(update={"asset": symbol})
    if isinstance(intent, QuoteIntent | ProposeTradeIntent):
        side = _marked_side(reading) or (
            intent.phrased_as if isinstance(intent, ProposeTradeIntent) else "sell"
        )
        return _replace_side(intent, side, symbol)
    raise _Refusal(UnknownReason.NOT_APPLICABLE)


def _marked_side(reading: _Reading) -> Side | None:
    """The side a follow-up names: "and to WBTC?" changes the token bought, "and with DAI?" the one sold."""
    before = reading.rest[: reading.rest.index(reading.symbols[0].lower())]
    marker = next((t for t in reversed(before) if t in v.SELL_PHRASING_MARKERS), None)
    if marker is None:
        return None
    return "buy" if v.SELL_PHRASING_MARKERS[marker] == "buy" else "sell"


def _replace_side(intent: QuoteIntent | ProposeTradeIntent, side: Side, symbol: str) -> Intent:
    old, other = (intent.sell, intent.buy) if side == "sell" else (intent.buy, intent.sell)
    if symbol == other:
        raise _Refusal(UnknownReason.SAME_SYMBOL)
    changes: dict[str, object] = {side: symbol}
    if isinstance(intent.amount, TokenAmount) and intent.amount.token == old:
        changes["amount"] = intent.amount.model_copy(update={"token": symbol})
    return intent.model_copy(update=changes)


def _with_amount(intent: Intent, raw: _RawAmount) -> Intent:
    """A bare number keeps the previous unit ("make it 100" after "$200" is $100); a unit overrides it.

    A symbol next to the number ("make it 100 LINK") has already replaced a side in ``_with_token``.
    """
    if not isinstance(intent, QuoteIntent | ProposeTradeIntent):
        raise _Refusal(UnknownReason.NOT_APPLICABLE)
    previous = intent.amount
    if raw.unit == "tokens" and raw.token is None:
        token = previous.token if isinstance(previous, TokenAmount) else None
        raw = _RawAmount(previous.unit, raw.value, token)
    return intent.model_copy(update={"amount": _amount(raw, default_token=intent.sell)})
