"""Settings of the vault yield reader, loaded like every other mixin (``TRADEWIND_<NAME>``)."""

from __future__ import annotations

from pydantic import Field

from tradewind.config import EnvironmentSettings


class YieldSettings(EnvironmentSettings):
    """How far back a vault's share price is compared, and the gas a deposit is assumed to take."""

    # Seven days of Ethereum's 12 s blocks: long enough to smooth harvests that come every few
    # days, short enough to follow a rate that changes. Chains with faster blocks need more.
    yield_lookback_blocks: int = Field(default=50_400, gt=0)
    # Measured on the local YieldVaults (tests/integration/test_yields.py): estimateGas of a fresh
    # account's first approve + deposit is 46,330 + 77,082 = 123,412 for twyUSDC and 46,378 +
    # 77,130 = 123,508 for twyDAI; rounded up. Vaults with strategies behind them cost more.
    yield_deposit_gas: int = Field(default=130_000, gt=0)
