"""Settings mixins of the chain package, loaded like every other mixin (``TRADEWIND_<NAME>``)."""

from __future__ import annotations

from pydantic import Field, HttpUrl, field_validator

from tradewind.config import EnvironmentSettings, parse_json_text


class ChainTableSettings(EnvironmentSettings):
    """The table holding nonce counters and sent-transaction records."""

    chain_table: str = Field(min_length=3)


class RpcPoolSettings(EnvironmentSettings):
    """Timeouts, retries and failover rules of a chain's RPC endpoints."""

    rpc_timeout_s: float = Field(default=3.0, gt=0)
    rpc_retries: int = Field(default=2, ge=0, description="retries per endpoint on transport errors")
    rpc_backoff_s: float = Field(default=0.1, ge=0, description="first retry delay, doubled each time")
    rpc_cooldown_s: float = Field(default=30.0, ge=0, description="how long a failed endpoint is skipped")
    rpc_max_lag_blocks: int = Field(default=5, ge=0)
    rpc_lag_check_s: float = Field(default=30.0, ge=0, description="how often endpoint heights are compared")


class ProtectedRpcSettings(EnvironmentSettings):
    """Per chain key, a private/protected RPC URL (MEV protection) that takes every broadcast.

    A chain listed here never broadcasts to its public pool: falling back there would hand the
    transaction to the public mempool the URL exists to avoid. Reads still use the pool.
    """

    protected_rpc_urls: dict[str, HttpUrl] = Field(
        default_factory=dict, description='JSON in the environment: {"chain-key": "url"}'
    )

    @field_validator("protected_rpc_urls", mode="before")
    @classmethod
    def _parse_json(cls, value: object) -> object:
        return parse_json_text(value)


class FeeSettings(EnvironmentSettings):
    """EIP-1559 fee estimation from ``eth_feeHistory``."""

    fee_history_blocks: int = Field(default=10, gt=0, le=1024)
    priority_fee_percentile: float = Field(default=50.0, ge=0, le=100)
    min_priority_fee_wei: int = Field(default=1, ge=0)
    max_fee_per_gas_wei: int = Field(default=500 * 10**9, gt=0, description="never pay more per gas")


class SenderSettings(EnvironmentSettings):
    """How long to wait for a transaction, and when to replace it."""

    stuck_after_s: float = Field(
        default=60.0, gt=0, description="replace a transaction unmined this long after it was signed"
    )
    max_replacements: int = Field(default=3, ge=0)
    poll_interval_s: float = Field(default=1.0, gt=0)
    confirmation_timeout_s: float = Field(default=600.0, gt=0)
    nonce_reserve_attempts: int = Field(default=20, gt=0)
    # An estimate is the least gas that worked against the state it was made on; by the block the
    # transaction lands in, storage it touches may cost more (a vault's rolling-window bucket or a
    # router allowance going from zero), and an out-of-gas revert still pays for the gas.
    gas_margin_bps: int = Field(default=2_500, ge=0, le=20_000)


class ChainSenderSettings(
    ChainTableSettings, RpcPoolSettings, ProtectedRpcSettings, FeeSettings, SenderSettings
):
    """Everything a function that sends transactions needs from the chain package."""
