"""Settings of the risk check, loaded like every mixin (``TRADEWIND_<NAME>``)."""

from __future__ import annotations

from pydantic import Field, field_validator

from tradewind.config import EnvironmentSettings, parse_json_text
from tradewind.errors import InvalidInput
from tradewind.wallets.addresses import validate_address


class RiskSettings(EnvironmentSettings):
    """The deny list: sanctioned or flagged addresses no trade may involve."""

    risk_deny_list: tuple[str, ...] = Field(
        default=(), description="EIP-55 addresses, comma-separated or a JSON list in the environment"
    )

    @field_validator("risk_deny_list", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        if value.lstrip().startswith("["):
            return parse_json_text(value)
        return [item.strip() for item in value.split(",") if item.strip()]

    @field_validator("risk_deny_list")
    @classmethod
    def _checksummed(cls, addresses: tuple[str, ...]) -> tuple[str, ...]:
        """Every entry checksummed, each once: a typo in a sanctions list must stop the cold start."""
        checked: dict[str, None] = {}
        for index, address in enumerate(addresses):
            try:
                checked[validate_address(address, field=f"risk_deny_list[{index}]")] = None
            except InvalidInput as e:
                raise ValueError(e.detail) from e
        return tuple(checked)
