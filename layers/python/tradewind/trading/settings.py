"""Settings of the trade flow, loaded like every mixin (``TRADEWIND_<NAME>``)."""

from __future__ import annotations

from pydantic import Field

from tradewind.config import EnvironmentSettings


class TradingSettings(EnvironmentSettings):
    """The state machine the API starts, and the waits it gives each execution."""

    trade_state_machine_arn: str = Field(min_length=1)
    # How long a trade waits for its owner's approval before it ends as expired.
    approval_timeout_s: int = Field(default=3600, ge=1, le=86_400)
    # Seconds between two confirmation checks (a Wait state): about a block on the slowest chain.
    confirm_poll_s: int = Field(default=4, ge=1, le=60)
