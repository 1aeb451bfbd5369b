"""USD prices from CoinGecko's REST API (``GET /simple/price``); imports httpx, so import it where used.

The base URL comes from settings (the pro and demo plans have different hosts and key headers);
the API key from a callable, such as ``SecretValue``, asked on every request so rotation applies.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx

from tradewind.errors import DependencyUnavailable
from tradewind.prices.models import Price
from tradewind.prices.settings import CoinGeckoKeyHeader, PriceSettings

DEPENDENCY = "coingecko"

# The one table from our symbols to CoinGecko's coin ids; wrapped tokens priced as what they wrap
# only where the wrapper is 1:1 redeemable (WETH), otherwise as their own coin (WBTC).
COINGECKO_IDS: Mapping[str, str] = {
    "ETH": "ethereum",
    "WETH": "ethereum",
    "WBTC": "wrapped-bitcoin",
    "USDC": "usd-coin",
    "DAI": "dai",
    "LINK": "chainlink",
}


class CoinGeckoSource:
    """PriceSource over ``/simple/price``: one request per quote, for all known symbols."""

    name = "coingecko"

    def __init__(
        self,
        base_url: str,
        api_key: Callable[[], str] | None,
        *,
        key_header: CoinGeckoKeyHeader = "x-cg-pro-api-key",
        timeout_s: float = 3.0,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._http = httpx.Client(base_url=base_url, timeout=timeout_s)
        self._api_key = api_key
        self._key_header = key_header
        self._now = now

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def quote(self, symbols: Sequence[str]) -> dict[str, Price]:
        """Prices of the symbols in the id table that CoinGecko answers for."""
        ids = {symbol: COINGECKO_IDS[symbol] for symbol in symbols if symbol in COINGECKO_IDS}
        if not ids:
            return {}
        body = self._simple_price(sorted(set(ids.values())))
        prices: dict[str, Price] = {}
        for symbol, coin in ids.items():
            entry = body.get(coin)
            if isinstance(entry, dict) and entry.get("usd"):
                prices[symbol] = self._price(symbol, coin, entry)
        return prices

    def _simple_price(self, coin_ids: list[str]) -> dict[str, Any]:
        params = {"ids": ",".join(coin_ids), "vs_currencies": "usd", "include_last_updated_at": "true"}
        headers: dict[str, str] = {self._key_header: self._api_key()} if self._api_key is not None else {}
        try:
            response = self._http.get("simple/price", params=params, headers=headers)
        except httpx.HTTPError as e:
            raise DependencyUnavailable(f"price API did not answer: {e!r}", dependency=DEPENDENCY) from e
        if response.status_code in (401, 403):
            raise DependencyUnavailable("price API refused the API key", dependency=DEPENDENCY)
        if response.status_code != 200:
            raise DependencyUnavailable(f"price API answered {response.status_code}", dependency=DEPENDENCY)
        try:
            # Decimal straight from the JSON text: a float would round the price before we see it.
            body = response.json(parse_float=Decimal)
        except ValueError as e:
            raise DependencyUnavailable("price API answered with no JSON", dependency=DEPENDENCY) from e
        if not isinstance(body, dict):
            raise DependencyUnavailable("price API answered with no object", dependency=DEPENDENCY)
        return body

    def _price(self, symbol: str, coin: str, entry: dict[str, Any]) -> Price:
        updated = entry.get("last_updated_at")
        observed_at = datetime.fromtimestamp(updated, UTC) if isinstance(updated, int) else self._now()
        try:
            usd = Decimal(entry["usd"])
        except (ArithmeticError, TypeError, ValueError) as e:
            raise DependencyUnavailable(f"price API gave no number for {coin}", dependency=DEPENDENCY) from e
        return Price(symbol=symbol, usd=usd, source=self.name, observed_at=observed_at, detail=coin)


def coingecko_source(settings: PriceSettings) -> CoinGeckoSource | None:
    """The source the settings describe, its key read from Secrets Manager; None without a base URL."""
    if settings.coingecko_base_url is None:
        return None
    api_key: Callable[[], str] | None = None
    if settings.coingecko_key_secret_id is not None:
        # Imported here: only a deployment with a key pays for the Powertools parameters import.
        from tradewind.aws.secrets import SecretValue  # noqa: PLC0415

        api_key = SecretValue(settings.coingecko_key_secret_id, max_age=settings.coingecko_key_cache_s)
    return CoinGeckoSource(
        settings.coingecko_base_url,
        api_key,
        key_header=settings.coingecko_key_header,
        timeout_s=settings.coingecko_timeout_s,
    )
