"""EIP-1559 fee math over eth_feeHistory results."""

from __future__ import annotations

import pytest

from tradewind.chain.errors import FeeCapExceeded
from tradewind.chain.fees import Fees, fees_from_history
from tradewind.chain.settings import FeeSettings

GWEI = 10**9


def _history(base_fees: list[int], rewards: list[int]) -> dict[str, object]:
    return {
        "oldestBlock": 100,
        "baseFeePerGas": base_fees,
        "gasUsedRatio": [0.5] * (len(base_fees) - 1),
        "reward": [[reward] for reward in rewards],
    }


def test_max_fee_is_twice_the_next_base_fee_plus_the_median_tip() -> None:
    # Given four blocks whose 50th-percentile tips are 1, 2, 3 and 100 gwei, next base fee 30 gwei
    history = _history(
        [20 * GWEI, 22 * GWEI, 25 * GWEI, 28 * GWEI, 30 * GWEI], [GWEI, 2 * GWEI, 3 * GWEI, 100 * GWEI]
    )
    # When fees are estimated
    fees = fees_from_history(history, FeeSettings())
    # Then the tip is the median (an outlier does not drag it) and the max fee has 2x headroom
    assert fees == Fees(max_fee_per_gas=60 * GWEI + 2_500_000_000, max_priority_fee_per_gas=2_500_000_000)


def test_tip_has_a_floor_when_blocks_are_empty() -> None:
    # Given blocks with zero tips and no reward rows at all
    settings = FeeSettings(min_priority_fee_wei=GWEI)
    for history in (_history([10, 10, 10], [0, 0]), {"baseFeePerGas": [10, 10], "reward": []}):
        # Then the tip is the floor
        assert fees_from_history(history, settings).max_priority_fee_per_gas == GWEI


def test_max_fee_is_capped_but_still_covers_the_next_base_fee() -> None:
    # Given a cap between next base fee + tip and twice the base fee
    settings = FeeSettings(max_fee_per_gas_wei=45 * GWEI)
    fees = fees_from_history(_history([30 * GWEI, 30 * GWEI], [GWEI]), settings)
    # Then the max fee is the cap
    assert fees.max_fee_per_gas == 45 * GWEI
    assert fees.max_priority_fee_per_gas == GWEI


def test_a_base_fee_above_the_cap_is_refused() -> None:
    # Given a next base fee the cap cannot pay
    settings = FeeSettings(max_fee_per_gas_wei=10 * GWEI)
    # Then estimation refuses rather than build a transaction that cannot be mined
    with pytest.raises(FeeCapExceeded):
        fees_from_history(_history([9 * GWEI, 11 * GWEI], [GWEI]), settings)


def test_replacement_bumps_both_fields_by_an_eighth_rounding_up() -> None:
    # Given fees of 100 and 3 wei
    bumped = Fees(max_fee_per_gas=100, max_priority_fee_per_gas=3).bumped()
    # Then both rise 12.5%, never less (ceil): 112.5 -> 113, 3.375 -> 4
    assert bumped == Fees(max_fee_per_gas=113, max_priority_fee_per_gas=4)
    assert Fees(max_fee_per_gas=8 * GWEI, max_priority_fee_per_gas=GWEI).bumped() == Fees(
        max_fee_per_gas=9 * GWEI, max_priority_fee_per_gas=1_125_000_000
    )
