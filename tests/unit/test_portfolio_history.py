"""Portfolio history and performance from holder value snapshots (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tradewind.market.periods import Period
from tradewind.portfolio.history import AssetValue, HolderValue, history, performance

NOW = datetime(2026, 11, 25, 12, 7, tzinfo=UTC)
WALLET = ("local-l1", "0x976EA74026E726554dB657fA54763abd0C3a0aa9")
VAULT = ("local-l2", "0x1111111111111111111111111111111111111111")
HOLDERS = {WALLET, VAULT}


def _value(key: tuple[str, str], at: datetime, **assets: tuple[str, str]) -> HolderValue:
    """A holder's value: symbol=(amount, price)."""
    valued = {
        symbol: AssetValue(amount=Decimal(a), usd=Decimal(a) * Decimal(p), price_usd=Decimal(p))
        for symbol, (a, p) in assets.items()
    }
    return HolderValue(
        chain=key[0],
        address=key[1],
        holder_kind="wallet" if key == WALLET else "vault",
        holder_id=key[0],
        at=at,
        total_usd=sum((v.usd for v in valued.values() if v.usd is not None), Decimal(0)),
        assets=valued,
    )


def test_period_windows_align_to_their_interval_and_end_after_now() -> None:
    start, end = Period.DAY.window(NOW)
    assert end == datetime(2026, 11, 25, 12, 15, tzinfo=UTC)
    assert end - start == timedelta(hours=24)
    start, end = Period.MONTH.window(NOW)
    assert end == datetime(2026, 11, 25, 16, tzinfo=UTC)
    assert Period.WEEK.interval == timedelta(hours=1)


def test_history_sums_each_holders_latest_value_per_interval_and_starts_at_the_first_value() -> None:
    # Given a wallet valued twice and a vault valued once, an hour apart
    values = [
        _value(WALLET, NOW - timedelta(hours=2), ETH=("1", "3000")),
        _value(VAULT, NOW - timedelta(hours=1, minutes=30), USDC=("500", "1")),
        _value(WALLET, NOW - timedelta(minutes=3), ETH=("1", "3100")),
    ]
    # When the 24h history is drawn
    drawn = history(values, HOLDERS, Period.DAY, NOW)
    # Then points start with the interval holding the first value and carry values forward
    assert drawn.points[0].at == datetime(2026, 11, 25, 10, 15, tzinfo=UTC)
    assert drawn.points[0].total_usd == Decimal(3000)
    totals = {point.at: point.total_usd for point in drawn.points}
    assert totals[datetime(2026, 11, 25, 10, 45, tzinfo=UTC)] == Decimal(3500)
    assert totals[datetime(2026, 11, 25, 12, 0, tzinfo=UTC)] == Decimal(3500)
    # And the last point is now, with the latest wallet value
    assert drawn.points[-1].at == NOW
    assert drawn.points[-1].total_usd == Decimal(3600)
    assert len(drawn.points) == 9  # 10:15 .. 12:00 every 15 min (8), then now


def test_history_leaves_out_holders_the_user_no_longer_has() -> None:
    values = [_value(WALLET, NOW - timedelta(hours=1), ETH=("1", "3000"))]
    assert history(values, {VAULT}, Period.DAY, NOW).points == []


def test_performance_splits_a_price_move_from_a_deposit_per_token() -> None:
    # Given 1 ETH at 3000, the price rising to 3300, then 1 ETH more deposited at 3300
    values = [
        _value(WALLET, NOW - timedelta(hours=30), ETH=("1", "3000")),  # carried in from before
        _value(WALLET, NOW - timedelta(hours=10), ETH=("1", "3300")),
        _value(WALLET, NOW - timedelta(hours=5), ETH=("2", "3300")),
    ]
    # When the 24h performance is computed
    result = performance(values, HOLDERS, Period.DAY, NOW)
    # Then the change of 3600 is 300 of market movement and 3300 of flows
    eth = result.by_token["ETH"]
    assert (eth.start_amount, eth.end_amount) == (Decimal(1), Decimal(2))
    assert (eth.start_usd, eth.end_usd) == (Decimal(3000), Decimal(6600))
    assert (eth.market_usd, eth.flows_usd) == (Decimal(300), Decimal(3300))
    assert result.change_usd == Decimal(3600)
    assert result.change_pct == Decimal(120)
    assert result.market_pct == Decimal(10)
    assert result.market_usd + result.flows_usd == result.change_usd
    assert result.start == NOW - timedelta(hours=24)


def test_a_swap_between_tokens_is_a_flow_per_token_and_nets_out_in_the_total() -> None:
    # Given 1 ETH at 3000 swapped for 3000 USDC, then ETH rising
    values = [
        _value(WALLET, NOW - timedelta(hours=20), ETH=("1", "3000")),
        _value(WALLET, NOW - timedelta(hours=10), USDC=("3000", "1")),
    ]
    result = performance(values, HOLDERS, Period.DAY, NOW)
    # Then ETH flowed out, USDC flowed in, and the total has no flows and no market movement
    assert result.by_token["ETH"].flows_usd == Decimal(-3000)
    assert result.by_token["USDC"].flows_usd == Decimal(3000)
    assert result.flows_usd == 0
    assert result.market_usd == 0
    assert result.start == NOW - timedelta(hours=20)


def test_performance_without_values_is_all_zero_without_percentages() -> None:
    result = performance([], HOLDERS, Period.WEEK, NOW)
    assert result.start is None
    assert result.start_usd == result.end_usd == result.change_usd == 0
    assert result.change_pct is None
    assert result.by_token == {}


@pytest.mark.parametrize("period", list(Period))
def test_market_and_flows_add_up_to_the_change_to_the_cent(period: Period) -> None:
    # Given prices and amounts that do not divide evenly
    values = [
        _value(WALLET, NOW - period.length / 2, ETH=("0.3333", "3001.17"), DAI=("10.5", "0.9993")),
        _value(WALLET, NOW - period.length / 3, ETH=("0.5", "2999.01"), DAI=("7.25", "1.0007")),
        _value(VAULT, NOW - period.length / 4, ETH=("0.1", "3003.33")),
    ]
    result = performance(values, HOLDERS, period, NOW)
    for token in result.by_token.values():
        assert token.market_usd + token.flows_usd == token.change_usd
        assert token.change_usd == token.end_usd - token.start_usd
