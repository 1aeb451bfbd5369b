"""EIP-1559 fees from ``eth_feeHistory``: a pure rule over the history, and a thin fetcher."""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from tradewind.chain.errors import FeeCapExceeded
from tradewind.chain.settings import FeeSettings

# Room for the base fee to rise for several full blocks (+12.5% each) before the tx is priced out.
BASE_FEE_HEADROOM = 2
REPLACEMENT_BUMP_NUMERATOR = 9  # x 9/8 = +12.5%, accepted by geth (10%), reth (>10%) and Besu
REPLACEMENT_BUMP_DENOMINATOR = 8


class Fees(BaseModel):
    """The two fee fields of an EIP-1559 transaction, in wei."""

    model_config = ConfigDict(frozen=True)

    max_fee_per_gas: int
    max_priority_fee_per_gas: int

    def bumped(self) -> Fees:
        """Both fields +12.5%, rounded up: the replacement rule every major client accepts."""
        return Fees(
            max_fee_per_gas=_bump(self.max_fee_per_gas),
            max_priority_fee_per_gas=_bump(self.max_priority_fee_per_gas),
        )


def _bump(value: int) -> int:
    return math.ceil(value * REPLACEMENT_BUMP_NUMERATOR / REPLACEMENT_BUMP_DENOMINATOR)


def fees_from_history(history: Mapping[str, Any], settings: FeeSettings) -> Fees:
    """Next base fee x2 plus the median of the blocks' priority-fee percentile, within the cap.

    ``baseFeePerGas`` has one entry more than the blocks asked for: the next block's base fee.
    """
    base_fees: Sequence[int] = history["baseFeePerGas"]
    next_base_fee = int(base_fees[-1])
    rewards = [int(block[0]) for block in history.get("reward") or [] if block]
    tip = max(int(statistics.median(rewards)) if rewards else 0, settings.min_priority_fee_wei)
    if next_base_fee + tip > settings.max_fee_per_gas_wei:
        raise FeeCapExceeded(
            f"next base fee {next_base_fee} + tip {tip} wei is above the cap {settings.max_fee_per_gas_wei}",
            next_base_fee=next_base_fee,
        )
    max_fee = min(BASE_FEE_HEADROOM * next_base_fee + tip, settings.max_fee_per_gas_wei)
    return Fees(max_fee_per_gas=max_fee, max_priority_fee_per_gas=tip)


class FeeHistorySource(Protocol):
    """Where fee history comes from (ChainClient)."""

    def fee_history(self, blocks: int, percentile: float) -> dict[str, Any]:
        """Raw ``eth_feeHistory``."""
        ...


class FeeEstimator:
    """Fetches fee history and applies ``fees_from_history``."""

    def __init__(self, source: FeeHistorySource, settings: FeeSettings) -> None:
        self._source = source
        self._settings = settings

    def estimate(self) -> Fees:
        """Fees for a transaction sent now."""
        history = self._source.fee_history(
            self._settings.fee_history_blocks, self._settings.priority_fee_percentile
        )
        return fees_from_history(history, self._settings)
