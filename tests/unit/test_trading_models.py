"""The trade lifecycle and request rules (pure)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from tradewind.trading.models import TRANSITIONS, TradeRequest, TradeStatus, new_trade_id, sources_of

FINAL = {
    TradeStatus.CONFIRMED,
    TradeStatus.FAILED,
    TradeStatus.REJECTED,
    TradeStatus.EXPIRED,
    TradeStatus.CANCELLED,
}


def _request(**overrides: object) -> TradeRequest:
    fields: dict[str, object] = {"vault": "v1", "sell_token": "WETH", "buy_token": "USDC", "amount": "0.5"}
    return TradeRequest.model_validate(fields | overrides)


def test_exactly_the_five_final_statuses_have_no_way_out() -> None:
    assert {status for status in TradeStatus if status.final} == FINAL
    assert not any(target in TRANSITIONS for target in FINAL)


def test_every_status_that_is_not_final_can_still_end_and_only_forwards() -> None:
    # From each live status a final one is reachable, and no transition leads back
    order = list(TradeStatus)
    for source, targets in TRANSITIONS.items():
        assert targets & FINAL, source
        assert all(order.index(target) > order.index(source) for target in targets)


def test_a_trade_can_be_cancelled_only_before_signing() -> None:
    assert sources_of(TradeStatus.CANCELLED) == {TradeStatus.ANALYZING, TradeStatus.AWAITING_APPROVAL}
    assert sources_of(TradeStatus.CONFIRMED) == {TradeStatus.SUBMITTED}
    assert sources_of(TradeStatus.EXPIRED) == {TradeStatus.AWAITING_APPROVAL}


def test_the_amount_is_a_positive_decimal_string_never_a_float() -> None:
    assert _request(amount="0.1").amount == Decimal("0.1")
    for amount in (0.1, "0", "-1", "abc"):
        with pytest.raises(ValidationError) as refused:
            _request(amount=amount)
        assert refused.value.errors()[0]["loc"] == ("amount",)


def test_slippage_and_deadline_are_bounded() -> None:
    for field, value in (("max_slippage_bps", 0), ("max_slippage_bps", 5_001), ("deadline_s", 10)):
        with pytest.raises(ValidationError) as refused:
            _request(**{field: value})
        assert refused.value.errors()[0]["loc"] == (field,)
    with pytest.raises(ValidationError):
        _request(side="market")


def test_a_retry_has_the_same_fingerprint_and_a_different_request_does_not() -> None:
    assert _request().fingerprint() == _request().fingerprint()
    assert _request().fingerprint() != _request(amount="0.50000001").fingerprint()


def test_trade_ids_sort_by_creation_time() -> None:
    ids = [new_trade_id() for _ in range(50)]
    assert len(set(ids)) == 50
    assert [i[:13] for i in ids] == sorted(i[:13] for i in ids)
