"""Settings of the holdings reader, loaded like every other mixin (``TRADEWIND_<NAME>``)."""

from __future__ import annotations

from pydantic import Field

from tradewind.config import EnvironmentSettings


class HoldingsSettings(EnvironmentSettings):
    """Multicall3 batch and simulation sizes, chains read at once, how discovery scans Transfer logs."""

    # Each chunk is one eth_call; nodes cap an eth_call's gas (anvil/geth: 50M by default), and
    # a balanceOf costs ~3-10k gas inside aggregate3, so 500 calls stay far below any cap.
    holdings_max_calls_per_chunk: int = Field(default=500, gt=1)
    holdings_max_parallel_chains: int = Field(default=8, gt=0)
    # Closing one Uniswap V3 position in simulation (decreaseLiquidity + collect) costs ~230k gas,
    # so 25 per eth_call stay near 6M gas: under the eth_call caps of nodes and providers alike.
    holdings_max_positions_per_simulation: int = Field(default=25, gt=0)
    # Token discovery (tradewind.holdings.discovery). Providers cap an eth_getLogs range (2,000 to
    # 10,000 blocks is common), and a JSON-RPC batch of too many of them is refused or times out.
    holdings_discovery_block_range: int = Field(default=2_000, gt=0)
    holdings_discovery_ranges_per_batch: int = Field(default=10, gt=0)
    # How far back the first scan of an owner looks: from genesis would be thousands of ranges.
    holdings_discovery_first_scan_blocks: int = Field(default=100_000, gt=0)
    # Per owner and chain: each token costs a balanceOf per read, and airdropped spam is unbounded.
    holdings_max_discovered_tokens: int = Field(default=100, gt=0)
