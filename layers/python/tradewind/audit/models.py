"""Domain models of the audit context: a decision to record, the sealed entry, the chain's head."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator

GENESIS_HASH = "0" * 64  # the prev_hash of every chain's first entry
_SHA256_HEX = r"^[0-9a-f]{64}$"


class AuditKind(StrEnum):
    """What was decided.

    Closed on purpose: an entry can never be corrected, so a misspelt kind must fail the append
    rather than be sealed into the log. New kinds are added here; existing values are never renamed
    or removed, because stored entries (and their hashes) keep them forever.
    """

    QUOTE = "quote"
    RISK_ASSESSED = "risk_assessed"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    SIGNATURE_REQUESTED = "signature_requested"
    SIGNED = "signed"
    BROADCAST = "broadcast"
    CONFIRMED = "confirmed"
    FAILED = "failed"


class Decision(BaseModel):
    """What a writer asks to record; ``event_id`` makes a retried append return the first entry."""

    model_config = ConfigDict(frozen=True)

    event_id: str = Field(min_length=1, max_length=200)
    kind: AuditKind
    subject: str = Field(min_length=1, max_length=200, description="What it is about, e.g. a trade id")
    actor: str = Field(
        min_length=1, max_length=200, description="A user id, an API key id or system:<function>"
    )
    data: dict[str, JsonValue] = Field(default_factory=dict)


class AuditEntry(Decision):
    """One sealed link of a user's chain: its hash covers prev_hash and every other field."""

    user_id: str
    seq: int = Field(ge=1, description="Position in the user's chain, from 1 without gaps")
    at: datetime
    prev_hash: str = Field(pattern=_SHA256_HEX)
    hash: str = Field(pattern=_SHA256_HEX)

    @field_validator("at")
    @classmethod
    def _utc(cls, at: datetime) -> datetime:
        if at.tzinfo is None:
            raise ValueError("at must be timezone-aware")
        return at.astimezone(UTC)


class ChainHead(BaseModel):
    """The latest link of a user's chain: appends are conditional on it (optimistic concurrency)."""

    model_config = ConfigDict(frozen=True)

    seq: int = Field(ge=1)
    hash: str = Field(pattern=_SHA256_HEX)


class AuditPage(BaseModel):
    """Entries in sequence order; ``next`` is the ``after`` cursor of the next page, None at the end."""

    items: list[AuditEntry]
    next: int | None = None


class Tampering(StrEnum):
    """Why a chain failed verification."""

    ALTERED = "altered"  # an entry's hash does not match its content
    BROKEN_LINK = "broken_link"  # an entry's prev_hash is not the previous entry's hash
    GAP = "gap"  # a sequence number is missing
    OUT_OF_ORDER = "out_of_order"  # sequence numbers repeat or go backwards
    HEAD_MISMATCH = "head_mismatch"  # the chain does not end where its head says (truncated or rewritten)


class Verification(BaseModel):
    """The result of re-computing a chain: ok, or the first bad sequence number and why."""

    model_config = ConfigDict(frozen=True)

    ok: bool
    entries_checked: int = Field(description="Entries examined, up to and including the first bad one")
    first_bad_seq: int | None = None
    reason: Tampering | None = None
    detail: str | None = None
