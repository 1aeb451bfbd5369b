"""The price service: source order, fallback, cross-check flagging, TTL cache, unknown symbols."""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tradewind.errors import DependencyUnavailable, NotFound
from tradewind.prices import Price, PriceService
from tradewind.prices.service import deviation_bps

WHEN = datetime(2024, 1, 1, tzinfo=UTC)


class MemorySource:
    """An in-memory PriceSource: scripted prices, optionally down, counting its calls."""

    def __init__(self, name: str, prices: dict[str, str], *, down: bool = False) -> None:
        self.name = name
        self.prices = {symbol: Decimal(usd) for symbol, usd in prices.items()}
        self.down = down
        self.calls: list[list[str]] = []

    def quote(self, symbols: Sequence[str]) -> dict[str, Price]:
        self.calls.append(list(symbols))
        if self.down:
            raise DependencyUnavailable(f"{self.name} is down", dependency=self.name)
        return {
            symbol: Price(symbol=symbol, usd=self.prices[symbol], source=self.name, observed_at=WHEN)
            for symbol in symbols
            if symbol in self.prices
        }


class FakeClock:
    """Monotonic seconds that a test advances by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _service(*sources: MemorySource, clock: FakeClock | None = None) -> PriceService:
    return PriceService(sources, deviation_bps=200, ttl_s=30, clock=clock or FakeClock())


def test_the_first_source_that_answers_gives_the_price() -> None:
    # Given two sources that agree within the threshold
    chain = MemorySource("chain", {"WETH": "3000"})
    api = MemorySource("api", {"WETH": "3030"})
    # When WETH is priced
    price = _service(chain, api).price("WETH")
    # Then the first source's price is used, checked against the second and not flagged
    assert (price.usd, price.source, price.flagged) == (Decimal(3000), "chain", False)
    assert price.detail == "checked against api (100 bps)"


def test_a_symbol_only_the_second_source_knows_comes_from_it_unchecked() -> None:
    chain = MemorySource("chain", {"WETH": "3000"})
    api = MemorySource("api", {"WETH": "3000", "LINK": "15"})
    prices = _service(chain, api).prices(["WETH", "LINK"])
    assert list(prices) == ["WETH", "LINK"]
    assert prices["LINK"].source == "api"
    assert prices["LINK"].detail == "unchecked: no other source"
    assert not prices["LINK"].flagged


def test_a_failing_source_is_skipped_for_the_next() -> None:
    # Given the first source is down
    chain = MemorySource("chain", {"WETH": "3000"}, down=True)
    api = MemorySource("api", {"WETH": "3001"})
    # When WETH is priced
    price = _service(chain, api).price("WETH")
    # Then the second source answers
    assert (price.source, price.usd, price.flagged) == ("api", Decimal(3001), False)


def test_a_deviation_beyond_the_threshold_flags_the_price_with_both_values() -> None:
    # Given the sources disagree by 10 %
    chain = MemorySource("chain", {"WETH": "3000", "LINK": "15"})
    api = MemorySource("api", {"WETH": "3300", "LINK": "15.1"})
    # When both are priced
    prices = _service(chain, api).prices(["WETH", "LINK"])
    # Then WETH is returned flagged, with the first source's price and both values in the detail
    weth = prices["WETH"]
    assert weth.flagged
    assert weth.usd == Decimal(3000)
    assert weth.detail is not None
    assert "chain says 3000" in weth.detail
    assert "api says 3300 (1000 bps away)" in weth.detail
    # And LINK (67 bps apart) is not
    assert not prices["LINK"].flagged


def test_a_deviation_at_the_threshold_is_not_flagged() -> None:
    chain = MemorySource("chain", {"DAI": "1.00"})
    api = MemorySource("api", {"DAI": "1.02"})
    assert not _service(chain, api).price("DAI").flagged
    assert deviation_bps(Decimal("1.00"), Decimal("1.02")) == 200


def test_prices_are_cached_for_the_ttl() -> None:
    # Given a service with a fake clock
    clock = FakeClock()
    source = MemorySource("chain", {"WETH": "3000"})
    service = _service(source, clock=clock)
    service.price("WETH")
    # When the price changes and 29.9 s pass
    source.prices["WETH"] = Decimal(3100)
    clock.now += 29.9
    # Then the cached price is returned without asking the source
    assert service.price("WETH").usd == Decimal(3000)
    assert len(source.calls) == 1
    # And after 30 s the source is asked again, for the expired symbol only
    clock.now += 0.1
    prices = service.prices(["WETH"])
    assert prices["WETH"].usd == Decimal(3100)
    assert source.calls[-1] == ["WETH"]


def test_only_uncached_symbols_are_fetched() -> None:
    source = MemorySource("chain", {"WETH": "3000", "LINK": "15"})
    service = _service(source)
    service.price("WETH")
    service.prices(["WETH", "LINK", "LINK"])
    assert source.calls == [["WETH"], ["LINK"]]


def test_an_unknown_symbol_is_not_found_and_the_known_ones_are_cached() -> None:
    source = MemorySource("chain", {"WETH": "3000"})
    service = _service(source)
    with pytest.raises(NotFound, match="PEPE"):
        service.prices(["WETH", "PEPE"])
    service.price("WETH")
    assert source.calls == [["WETH", "PEPE"]]


def test_no_price_while_a_source_is_down_is_dependency_unavailable() -> None:
    # Given the only source that might know LINK is down
    chain = MemorySource("chain", {}, down=True)
    api = MemorySource("api", {"WETH": "3000"})
    # Then LINK is not NotFound (the down source may know it) but DependencyUnavailable
    with pytest.raises(DependencyUnavailable) as caught:
        _service(chain, api).price("LINK")
    assert caught.value.dependency == "chain"


def test_a_service_needs_a_source() -> None:
    with pytest.raises(ValueError, match="at least one source"):
        PriceService([], deviation_bps=200, ttl_s=30)


def test_partial_prices_leave_out_symbols_nobody_prices() -> None:
    # Given one source down and one that knows WETH only
    service = _service(MemorySource("chain", {}, down=True), MemorySource("api", {"WETH": "3000"}))
    # When a portfolio asks for partial prices
    prices = service.prices(["WETH", "PEPE"], partial=True)
    # Then the known symbol is priced and the unknown one is simply absent
    assert list(prices) == ["WETH"]


def test_partial_prices_still_fail_when_every_source_is_down() -> None:
    service = _service(MemorySource("chain", {"WETH": "3000"}, down=True))
    with pytest.raises(DependencyUnavailable):
        service.prices(["WETH"], partial=True)


class SlowSource(MemorySource):
    """A source that takes a while to answer, so that requests pile up behind it."""

    def quote(self, symbols: Sequence[str]) -> dict[str, Price]:
        time.sleep(0.05)
        return super().quote(symbols)


def test_requests_that_find_the_cache_expired_together_share_one_fetch() -> None:
    # Given a cached price that has just expired, and a slow source
    source = SlowSource("chain", {"WETH": "3000", "USDC": "1"})
    clock = FakeClock()
    service = _service(source, clock=clock)
    service.prices(["WETH", "USDC"])
    clock.now += 31
    # When sixteen requests ask for it at once
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda _: service.prices(["WETH", "USDC"]), range(16)))
    # Then the source was asked once more, not sixteen times, and every request got the price
    assert len(source.calls) == 2
    assert all(answer["WETH"].usd == Decimal(3000) for answer in answers)


def test_a_symbol_nobody_knows_is_not_asked_for_again_within_the_ttl() -> None:
    # Given a portfolio that holds a token no source prices
    source = MemorySource("chain", {"WETH": "3000"})
    clock = FakeClock()
    service = _service(source, clock=clock)
    assert set(service.prices(["WETH", "0xUNLISTED"], partial=True)) == {"WETH"}
    # When it is read again within the TTL, and asked for on its own
    assert set(service.prices(["WETH", "0xUNLISTED"], partial=True)) == {"WETH"}
    with pytest.raises(NotFound):
        service.price("0xUNLISTED")
    # Then no source was asked again; after the TTL it is asked once more
    assert source.calls == [["WETH", "0xUNLISTED"]]
    clock.now += 31
    service.prices(["0xUNLISTED"], partial=True)
    assert source.calls[-1] == ["0xUNLISTED"]


def test_a_symbol_is_not_remembered_as_unknown_while_a_source_is_down() -> None:
    # Given the only source that knows LINK is down
    chain = MemorySource("chain", {"WETH": "3000"})
    api = MemorySource("api", {"LINK": "15"}, down=True)
    service = _service(chain, api)
    assert "LINK" not in service.prices(["WETH", "LINK"], partial=True)
    # When it is back
    api.down = False
    # Then LINK is priced at once, not after the TTL
    assert service.prices(["LINK"])["LINK"].usd == Decimal(15)
