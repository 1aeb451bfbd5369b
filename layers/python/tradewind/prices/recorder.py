"""The price recorder: what the scheduled recorder function does each time it runs."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pydantic import BaseModel

from tradewind.observability import logger
from tradewind.prices.history import PriceHistory
from tradewind.prices.service import PriceService


class RecordedPrices(BaseModel):
    """One run: what was stored, what was left out because sources disagreed, what nobody priced."""

    recorded: list[str]
    flagged: list[str]
    unpriced: list[str]


class PriceRecorder:
    """Records the current price of every tracked symbol.

    A flagged price (the sources disagree) is not recorded: history feeds the analysis the
    assistant and the risk engine read, and a doubtful point would skew its volatility and RSI.
    """

    def __init__(
        self, prices: PriceService, history: PriceHistory, tracked: Callable[[], Sequence[str]]
    ) -> None:
        self._prices = prices
        self._history = history
        self._tracked = tracked

    def record(self) -> RecordedPrices:
        """Price every tracked symbol once and store the trustworthy ones."""
        symbols = list(dict.fromkeys(self._tracked()))
        prices = self._prices.prices(symbols, partial=True)
        trusted = [price for price in prices.values() if not price.flagged]
        self._history.record(trusted)
        result = RecordedPrices(
            recorded=[price.symbol for price in trusted],
            flagged=[price.symbol for price in prices.values() if price.flagged],
            unpriced=[symbol for symbol in symbols if symbol not in prices],
        )
        if result.flagged or result.unpriced:
            logger.warning("prices not recorded", extra=result.model_dump(include={"flagged", "unpriced"}))
        return result
