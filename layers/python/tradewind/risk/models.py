"""Domain models of the risk context: the user's risk profile, what the risk step is given, and its report."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from tradewind.errors import InvalidInput
from tradewind.wallets.addresses import validate_address

BPS = 10_000


def _checksummed(address: str) -> str:
    # validate_address raises the domain's InvalidInput; pydantic only reports ValueErrors as field errors.
    try:
        return validate_address(address)
    except InvalidInput as e:
        raise ValueError(e.detail) from e


ChecksumAddress = Annotated[str, AfterValidator(_checksummed)]
"""An EVM address, stored in its EIP-55 form; a mixed-case input must carry a valid checksum."""

BaseUnits = Annotated[int, Field(ge=0), PlainSerializer(str, return_type=str, when_used="json")]
"""A token amount in the token's smallest unit: a string in JSON, where numbers above 2**53 lose digits."""

Bps = Annotated[int, Field(ge=0, le=BPS)]
"""Basis points: 100 = 1 %, 10,000 = 100 %."""

Usd = Annotated[Decimal, Field(ge=0, max_digits=24, decimal_places=6)]
"""A USD amount; a string in JSON, as every USD figure the API returns."""

TokenSymbol = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z0-9.]{1,16}$")
]
"""A token symbol as the deployment manifests spell it, upper-cased."""


def _unique(symbols: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(symbols))


TokenSymbols = Annotated[tuple[TokenSymbol, ...], Field(max_length=50), AfterValidator(_unique)]
"""Symbols in the order given, each once."""


class AutomationPolicy(BaseModel):
    """Which trades the service may approve without asking the user; off for a new user."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    auto_approve: bool = False
    auto_approve_max_usd: Usd = Decimal(100)
    auto_approve_tokens: TokenSymbols = Field(
        default=(),
        description="both tokens of an auto-approved trade are in this list; empty = any the profile allows",
    )


class RiskProfile(BaseModel):
    """A user's limits and automation policy, as the user sets them with PUT /v1/risk/profile.

    The profile can only narrow what the vault allows on chain: the vault's own caps (in token units)
    and its token and router allowlists still apply to every trade.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_trade_usd: Usd = Field(default=Decimal(1000), gt=0)
    max_daily_usd: Usd = Field(default=Decimal(5000), gt=0, description="USD sold in any rolling 24 h")
    max_price_impact_bps: Bps = Field(default=100, gt=0)
    max_slippage_bps: Bps = 50
    allowed_tokens: TokenSymbols = Field(
        default=(), description="symbols a trade may sell or buy; empty = any the vault allows"
    )
    automation: AutomationPolicy = AutomationPolicy()

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        """Refuse limits that contradict each other, naming the field to change.

        A price-impact limit above the slippage limit is not refused: the impact is already inside the
        quote, and the slippage limit bounds how far execution may fall short of that quote.
        """
        errors: list[InitErrorDetails] = []

        def refuse(loc: tuple[str, ...], value: object, message: str) -> None:
            errors.append(
                InitErrorDetails(
                    type=PydanticCustomError("inconsistent_limits", message), loc=loc, input=value
                )
            )

        if self.max_daily_usd < self.max_trade_usd:
            refuse(
                ("max_daily_usd",),
                str(self.max_daily_usd),
                f"must be at least max_trade_usd ({self.max_trade_usd})",
            )
        if self.automation.auto_approve_max_usd > self.max_trade_usd:
            refuse(
                ("automation", "auto_approve_max_usd"),
                str(self.automation.auto_approve_max_usd),
                f"must not exceed max_trade_usd ({self.max_trade_usd})",
            )
        outside = [s for s in self.automation.auto_approve_tokens if s not in self.allowed_tokens]
        if self.allowed_tokens and outside:
            refuse(
                ("automation", "auto_approve_tokens"),
                list(self.automation.auto_approve_tokens),
                f"{', '.join(outside)} not in allowed_tokens",
            )
        if errors:
            raise ValidationError.from_exception_data(type(self).__name__, errors)
        return self


class StoredRiskProfile(RiskProfile):
    """A profile with its version: 0 (and no ``updated_at``) for the defaults of a user who never set one."""

    version: int = Field(ge=0, description="send it back in If-Match to refuse overwriting a newer profile")
    updated_at: datetime | None = None

    @classmethod
    def of(cls, profile: RiskProfile, version: int, updated_at: datetime | None) -> StoredRiskProfile:
        """``profile`` at ``version``."""
        return cls(**dict(profile), version=version, updated_at=updated_at)

    def settings(self) -> RiskProfile:
        """The profile alone, as the user set it."""
        return RiskProfile(**{name: getattr(self, name) for name in RiskProfile.model_fields})


class VaultTokenLimits(BaseModel):
    """The vault's on-chain rules for the sold token, in its base units, and its recent sales."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    allowed: bool
    max_per_trade: BaseUnits
    max_per_day: BaseUnits
    signature_threshold: BaseUnits = Field(description="sales strictly above this need the owner's signature")
    max_slippage_bps: Bps
    sold_last_24h: BaseUnits | None = Field(default=None, description="None when not read from the chain")


class Simulation(BaseModel):
    """The outcome of an eth_call of the exact vault call the trade would send."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    succeeded: bool
    revert_reason: str | None = None

    @model_validator(mode="after")
    def _reason_when_reverted(self) -> Self:
        """A revert always says why, so that the report can."""
        if not self.succeeded and not self.revert_reason:
            raise ValueError("a reverted simulation needs its revert_reason")
        return self


class TradeCandidate(BaseModel):
    """What the risk step is given: one quoted swap from a user's vault, and what is known around it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    chain: str = Field(min_length=1)
    vault_id: str = Field(min_length=1)
    vault_address: ChecksumAddress
    owner: ChecksumAddress
    sell_symbol: TokenSymbol
    sell_token: ChecksumAddress
    sell_decimals: int = Field(ge=0, le=77)
    buy_symbol: TokenSymbol
    buy_token: ChecksumAddress
    buy_decimals: int = Field(ge=0, le=77)
    amount_in: BaseUnits = Field(gt=0)
    expected_amount_out: BaseUnits = Field(gt=0, description="the quote for amount_in")
    usd_value: Usd = Field(description="the sale's value in USD")
    price_impact_bps: Bps | None = Field(description="None when it could not be measured")
    price_impact_note: str | None = Field(default=None, description="why the impact is unknown")
    max_slippage_bps: Bps = Field(description="the slippage the user asked for on this trade")
    vault_limits: VaultTokenLimits | None = Field(description="None when the chain could not be read")
    recipient: ChecksumAddress
    router: ChecksumAddress
    pool: ChecksumAddress | None = None
    simulation: Simulation
    volume_24h_usd: Usd = Field(description="USD the user sold in the last 24 h, this trade excluded")
    proposed_by_assistant: bool = Field(default=False, description="never approved without the user")

    @model_validator(mode="after")
    def _note_when_unmeasured(self) -> Self:
        """An unknown impact always says why, so that the report can."""
        if self.price_impact_bps is None and not self.price_impact_note:
            raise ValueError("price_impact_note must say why price_impact_bps is unknown")
        return self


class Severity(StrEnum):
    """How a finding weighs: a block rejects, a warn needs the user, an info only explains."""

    INFO = "info"
    WARN = "warn"
    BLOCK = "block"


class Finding(BaseModel):
    """One rule's verdict, with the numbers that led to it."""

    model_config = ConfigDict(frozen=True)

    code: str
    severity: Severity
    message: str


class Decision(StrEnum):
    """What happens to the trade next: signed, waiting for the user, or never signed."""

    APPROVE = "approve"
    NEEDS_APPROVAL = "needs_approval"
    REJECT = "reject"


class RiskReport(BaseModel):
    """The risk step's output: the decision and the reason for every finding."""

    model_config = ConfigDict(frozen=True)

    score: int = Field(ge=0, le=100, description="0 = nothing of note, 100 = rejected; see risk.engine.score")
    decision: Decision
    findings: tuple[Finding, ...]
    min_amount_out: BaseUnits = Field(description="the least the swap may return, from the slippage limit")
    needs_owner_signature: bool = Field(description="amount_in is above the vault's signature threshold")
