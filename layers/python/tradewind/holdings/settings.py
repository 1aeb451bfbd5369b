"""Settings of the holdings reader, loaded like every other mixin (``TRADEWIND_<NAME>``)."""

from __future__ import annotations

from pydantic import Field

from tradewind.config import EnvironmentSettings


class HoldingsSettings(EnvironmentSettings):
    """How big one Multicall3 batch may grow, and how many chains are read at once."""

    # Each chunk is one eth_call; nodes cap an eth_call's gas (anvil/geth: 50M by default), and
    # a balanceOf costs ~3-10k gas inside aggregate3, so 500 calls stay far below any cap.
    holdings_max_calls_per_chunk: int = Field(default=500, gt=1)
    holdings_max_parallel_chains: int = Field(default=8, gt=0)
