"""What a yield read returns: per ERC-4626 vault, its share price now and a lookback ago, APY, TVL and gas."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tradewind.chains.registry import NativeToken


class VaultYield(BaseModel):
    """One vault's measured yield on ``chain`` between blocks ``block_then`` and ``block_now``.

    Prices are whole assets per whole share. ``apy`` is a fraction (0.05 is 5 %), compounded over a
    365-day year; when it cannot be measured ``apy_unavailable`` says why, and ``window_s`` is None
    when there was no earlier price to measure from. ``tvl_assets`` is ``totalAssets()`` in asset
    units. ``deposit_gas`` is the configured gas of an approve and a deposit; pricing it in USD is
    the caller's, from ``gas_cost_native`` and the ``native`` token's price.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    chain: str
    vault: str
    vault_address: str
    asset: str
    block_now: int = Field(ge=0)
    block_then: int = Field(ge=0)
    share_price_now: Decimal = Field(ge=0)
    share_price_then: Decimal | None = Field(default=None, ge=0)
    window_s: int | None = Field(default=None, ge=0)
    apy: Decimal | None = None
    apy_unavailable: str | None = None
    tvl_assets: Decimal = Field(ge=0)
    native: NativeToken
    gas_price_wei: int = Field(ge=0)
    deposit_gas: int = Field(gt=0)

    @model_validator(mode="after")
    def _apy_or_reason(self) -> VaultYield:
        if (self.apy is None) == (self.apy_unavailable is None):
            raise ValueError("exactly one of apy and apy_unavailable must be set")
        return self

    def gas_cost_native(self) -> Decimal:
        """What the approve and deposit cost at the gas price read, in whole units of the chain's coin."""
        return Decimal(self.gas_price_wei * self.deposit_gas).scaleb(-self.native.decimals)
