"""Domain models of the preferences context: what the assistant is told about the user's goals."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from tradewind.risk.models import TokenSymbol

MAX_TARGETS = 25
WHOLE = Decimal(100)


class RiskTolerance(StrEnum):
    """How much volatility the user accepts; it shapes the assistant's advice, not the risk limits."""

    CONSERVATIVE = "conservative"
    BALANCED = "balanced"
    AGGRESSIVE = "aggressive"


class BaseCurrency(StrEnum):
    """The ISO 4217 currencies a user may pick as the label of the assistant's figures.

    There is no conversion: prices and values stay in USD, and a non-USD choice is only named with them.
    """

    USD = "USD"
    EUR = "EUR"
    GBP = "GBP"
    CHF = "CHF"
    JPY = "JPY"


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


Percent = Annotated[Decimal, Field(gt=0, le=WHOLE, max_digits=7, decimal_places=4)]
"""A share of the portfolio in percent (``"12.5"`` = 12.5 %); a decimal string in JSON."""


class Preferences(BaseModel):
    """What a user tells the assistant with PUT /v1/preferences; each field has a default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    risk_tolerance: RiskTolerance = RiskTolerance.BALANCED
    base_currency: Annotated[BaseCurrency, BeforeValidator(_upper)] = Field(
        default=BaseCurrency.USD, description="labels the figures the assistant reports in USD; no conversion"
    )
    target_allocation: dict[TokenSymbol, Percent] = Field(
        default_factory=dict,
        max_length=MAX_TARGETS,
        description="percent of the portfolio per symbol, summing to 100; empty = no target",
    )

    @field_validator("target_allocation", mode="before")
    @classmethod
    def _each_symbol_once(cls, value: Any) -> Any:
        """Refuse two keys that name one symbol once upper-cased, instead of silently keeping the last."""
        if isinstance(value, dict):
            seen: dict[str, str] = {}
            for key in value:
                symbol = _upper(key)
                if isinstance(symbol, str) and symbol in seen:
                    raise ValueError(f"{seen[symbol]!r} and {key!r} are the same symbol")
                seen[symbol] = key
        return value

    @field_validator("target_allocation")
    @classmethod
    def _whole_portfolio(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        """A target covers the whole portfolio: its percents add up to exactly 100."""
        total = sum(value.values(), Decimal(0))
        if value and total != WHOLE:
            raise ValueError(f"percents must sum to exactly 100, not {total}")
        return value


class StoredPreferences(Preferences):
    """Preferences with their version: 0 (and no ``updated_at``) for the defaults of a user without any."""

    version: int = Field(ge=0, description="send it back in If-Match to refuse overwriting newer preferences")
    updated_at: datetime | None = None

    @classmethod
    def of(cls, preferences: Preferences, version: int, updated_at: datetime | None) -> StoredPreferences:
        """``preferences`` at ``version``."""
        return cls(**dict(preferences), version=version, updated_at=updated_at)

    def preferences(self) -> Preferences:
        """The preferences alone, as the user set them."""
        return Preferences(**{name: getattr(self, name) for name in Preferences.model_fields})
