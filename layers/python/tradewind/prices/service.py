"""The price service: ordered sources, cross-checked against each other, cached per symbol.

Decisions:
- The first source (in the order given) that prices a symbol gives the price; every other source
  that also prices it is a check. When a check deviates from it by more than ``deviation_bps``, the
  price is returned with ``flagged=True`` and both values in ``detail``; it is not dropped, so a
  portfolio can still show it, and not silently used, so risk checks can refuse it.
- A source that fails (DependencyUnavailable) is skipped: the next one answers, unchecked.
- A symbol no source knows is NotFound; if some source failed, it may have known it, so that is
  DependencyUnavailable instead.
- Prices (flagged ones too) are cached for ``ttl_s`` seconds of ``clock``, per symbol, and so is
  the answer that no source knows a symbol (a portfolio's unlisted tokens would otherwise ask
  every source on every read). One fetch runs at a time: requests that find the cache expired
  while another fetches wait for its prices rather than fetching the same ones again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Protocol

from tradewind.errors import DependencyUnavailable, NotFound
from tradewind.observability import logger
from tradewind.prices.models import Price


class PriceSource(Protocol):
    """Where prices come from: a chain oracle, a price API."""

    @property
    def name(self) -> str:
        """Short name that prices carry in ``source``."""
        ...

    def quote(self, symbols: Sequence[str]) -> Mapping[str, Price]:
        """Prices of those ``symbols`` the source knows (others are left out).

        Raises DependencyUnavailable when the source cannot answer at all.
        """
        ...


def deviation_bps(reference: Decimal, other: Decimal) -> Decimal:
    """How far ``other`` is from ``reference``, in basis points of ``reference``."""
    return abs(other - reference) / reference * 10_000


class PriceService:
    """USD prices by symbol, from the first source that answers, checked against the others."""

    def __init__(
        self,
        sources: Sequence[PriceSource],
        *,
        deviation_bps: int,
        ttl_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not sources:
            raise ValueError("a price service needs at least one source")
        self._sources = tuple(sources)
        self._deviation_bps = deviation_bps
        self._ttl_s = ttl_s
        self._clock = clock
        self._cache: dict[str, tuple[Price, float]] = {}
        self._unknown: dict[str, float] = {}
        self._fetching = threading.Lock()

    def price(self, symbol: str) -> Price:
        """The USD price of one symbol."""
        return self.prices([symbol])[symbol]

    def prices(self, symbols: Iterable[str], *, partial: bool = False) -> dict[str, Price]:
        """USD prices of ``symbols``, in the order asked; NotFound names any symbol no source knows.

        With ``partial``, symbols nobody priced are left out instead (a portfolio shows them
        unpriced); it still raises DependencyUnavailable when every source failed.
        """
        wanted = list(dict.fromkeys(symbols))
        found, unknown = self._cached(wanted)
        failures: dict[str, DependencyUnavailable] = {}
        if len(found) + len(unknown) < len(wanted):
            found, failures = self._refresh(wanted)
        unpriced = [symbol for symbol in wanted if symbol not in found]
        if not partial or len(failures) == len(self._sources):
            self._raise_for_unpriced(unpriced, failures)
        return {symbol: found[symbol] for symbol in wanted if symbol in found}

    def _cached(self, symbols: list[str]) -> tuple[dict[str, Price], set[str]]:
        """The symbols' cached prices, and those every source said it does not know, both within the TTL."""
        now = self._clock()
        found = {symbol: hit[0] for symbol in symbols if (hit := self._fresh(symbol, now)) is not None}
        unknown = {s for s in symbols if s in self._unknown and now - self._unknown[s] < self._ttl_s}
        return found, unknown

    def _refresh(self, wanted: list[str]) -> tuple[dict[str, Price], dict[str, DependencyUnavailable]]:
        """Prices of ``wanted``, fetching what the cache lacks, one fetch at a time.

        When the cache expires under load, the requests that queued behind the first fetch find
        its prices instead of each asking every source again.
        """
        with self._fetching:
            found, unknown = self._cached(wanted)
            missing = [symbol for symbol in wanted if symbol not in found and symbol not in unknown]
            if not missing:
                return found, {}
            now = self._clock()
            fetched, failures = self._fetch(missing)
            for symbol, price in fetched.items():
                self._cache[symbol] = (price, now)
            if not failures:
                # No source failed, so nobody knows these: asking again before the TTL would not help.
                self._unknown.update((symbol, now) for symbol in missing if symbol not in fetched)
            return {**found, **fetched}, failures

    def _fresh(self, symbol: str, now: float) -> tuple[Price, float] | None:
        hit = self._cache.get(symbol)
        if hit is None or now - hit[1] >= self._ttl_s:
            return None
        return hit

    def _fetch(self, symbols: list[str]) -> tuple[dict[str, Price], dict[str, DependencyUnavailable]]:
        """Ask every source once for all ``symbols``: the first answer prices, the rest check."""
        answers: list[Mapping[str, Price]] = []
        failures: dict[str, DependencyUnavailable] = {}
        for source in self._sources:
            try:
                answers.append(source.quote(symbols))
            except DependencyUnavailable as e:
                logger.warning("price source unavailable", extra={"source": source.name, "error": e.detail})
                failures[source.name] = e
        priced: dict[str, Price] = {}
        for symbol in symbols:
            quotes = [answer[symbol] for answer in answers if symbol in answer]
            if quotes:
                priced[symbol] = self._checked(quotes[0], quotes[1:])
        return priced, failures

    def _checked(self, price: Price, checks: list[Price]) -> Price:
        if not checks:
            return price.model_copy(update={"detail": _join(price.detail, "unchecked: no other source")})
        deviations = [(check, deviation_bps(price.usd, check.usd)) for check in checks]
        beyond = [(check, bps) for check, bps in deviations if bps > self._deviation_bps]
        if beyond:
            disagreements = "; ".join(
                f"{check.source} says {check.usd} ({bps:.0f} bps away)" for check, bps in beyond
            )
            detail = f"{price.source} says {price.usd}; {disagreements}; limit {self._deviation_bps} bps"
            logger.warning("price sources disagree", extra={"symbol": price.symbol, "detail": detail})
            return price.model_copy(update={"flagged": True, "detail": _join(price.detail, detail)})
        agreed = ", ".join(f"{check.source} ({bps:.0f} bps)" for check, bps in deviations)
        return price.model_copy(update={"detail": _join(price.detail, f"checked against {agreed}")})

    @staticmethod
    def _raise_for_unpriced(unpriced: list[str], failures: dict[str, DependencyUnavailable]) -> None:
        if not unpriced:
            return
        names = ", ".join(unpriced)
        if failures:
            raise DependencyUnavailable(
                f"no price for {names}: {', '.join(failures)} unavailable", dependency=",".join(failures)
            )
        raise NotFound(f"no price source knows {names}")


def _join(first: str | None, second: str) -> str:
    return second if not first else f"{first}; {second}"
