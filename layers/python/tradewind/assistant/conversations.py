"""The assistant's conversation memory: a conversation, its numbered turns, and the tool calls behind them.

A turn is written once and never changed; the conversation only counts its turns, remembers when the
last one came, and keeps a summary of the oldest turns so that a long conversation can be carried into
a prompt without replaying all of it. Cards, actions, intents and tool arguments are JSON values: they
are stored as JSON and read back as parsed JSON (a ``Decimal`` put in comes back as its string).
"""

from __future__ import annotations

import os
import re
import time
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from tradewind.errors import InvalidInput

TITLE_CHARS = 80
# The conversation item holds the summary; 50,000 characters stay under 200 KB even in 4-byte UTF-8,
# well inside DynamoDB's 400 KB item limit.
MAX_SUMMARY_CHARS = 50_000
# Turn indexes are padded to six digits in their sort key, so that they sort as numbers.
MAX_TURN_INDEX = 999_999
CONVERSATION_ID_PATTERN = r"^[0-9a-f]{29}$"
_CONVERSATION_ID = re.compile(CONVERSATION_ID_PATTERN)

Engine = Literal["offline", "model"]


def new_conversation_id() -> str:
    """A conversation id that sorts by creation time (milliseconds, then 64 random bits), like a ULID."""
    return f"{time.time_ns() // 1_000_000:013x}{os.urandom(8).hex()}"


def is_conversation_id(value: str) -> bool:
    """Whether ``new_conversation_id`` could have made ``value`` (anything else names no conversation)."""
    return _CONVERSATION_ID.fullmatch(value) is not None


def title_of(first_message: str) -> str:
    """A conversation's title: its first message on one line, cut to ``TITLE_CHARS`` characters."""
    return " ".join(first_message.split())[:TITLE_CHARS].rstrip()


class ToolCallRecord(BaseModel):
    """One tool the assistant called while answering, and how it went."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=128)
    arguments: dict[str, Any] = Field(default_factory=dict)
    ok: bool
    error: str | None = None
    duration_ms: float = Field(ge=0)


class Turn(BaseModel):
    """One exchange: the user's message, the assistant's reply, and what the reply was built from.

    ``intent`` is the offline engine's parsed intent as JSON, kept so that a follow-up ("do it",
    "and on Base?") can be read against it; ``ungrounded`` lists the numbers of the reply that no tool
    gave, which the caller flags rather than hides.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    conversation_id: str = Field(pattern=CONVERSATION_ID_PATTERN)
    index: int = Field(ge=0, le=MAX_TURN_INDEX, description="0-based; turns are numbered without gaps")
    at: AwareDatetime
    message: str
    reply: str
    cards: list[dict[str, Any]] = Field(default_factory=list)
    actions: list[dict[str, Any]] = Field(default_factory=list)
    intent: dict[str, Any] | None = None
    tool_calls: list[ToolCallRecord] = Field(default_factory=list)
    ungrounded: list[str] = Field(default_factory=list)
    engine: Engine


class Conversation(BaseModel):
    """A user's conversation with the assistant; ``version`` moves on every write (optimistic locking).

    ``summary`` condenses turns ``[0, summarised_through)``; the turns after it are read as they are.
    ``updated_at`` is when the last turn was added (``created_at`` until then).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=CONVERSATION_ID_PATTERN)
    user_id: str = Field(min_length=1)
    title: str = Field(max_length=TITLE_CHARS)
    created_at: AwareDatetime
    updated_at: AwareDatetime
    turn_count: int = Field(default=0, ge=0, le=MAX_TURN_INDEX + 1)
    summary: str | None = Field(default=None, max_length=MAX_SUMMARY_CHARS)
    summarised_through: int = Field(default=0, ge=0)
    version: int = Field(default=1, ge=1)

    @model_validator(mode="after")
    def _summary_covers_existing_turns(self) -> Conversation:
        if self.summarised_through > self.turn_count:
            raise ValueError("the summary cannot cover turns that do not exist")
        return self

    @classmethod
    def start(cls, user_id: str, first_message: str, at: datetime) -> Conversation:
        """A new, empty conversation titled after the message that opens it."""
        return cls(
            id=new_conversation_id(),
            user_id=user_id,
            title=title_of(first_message),
            created_at=at,
            updated_at=at,
        )

    def with_turn(self, turn: Turn) -> Conversation:
        """The conversation once ``turn`` is added: InvalidInput unless it is this one's next turn."""
        if turn.conversation_id != self.id:
            raise InvalidInput("the turn belongs to another conversation", field="conversation_id")
        if turn.index != self.turn_count:
            raise InvalidInput(
                f"the next turn of this conversation is {self.turn_count}, not {turn.index}", field="index"
            )
        return self.model_copy(
            update={"turn_count": self.turn_count + 1, "updated_at": turn.at, "version": self.version + 1}
        )

    def summarised(self, summary: str, through: int) -> Conversation:
        """The conversation with ``summary`` standing for turns ``[0, through)``."""
        if not 0 <= through <= self.turn_count:
            raise InvalidInput(
                f"a summary can cover turns 0 to {self.turn_count}, not {through}", field="through"
            )
        if len(summary) > MAX_SUMMARY_CHARS:
            raise InvalidInput(f"a summary takes at most {MAX_SUMMARY_CHARS} characters", field="summary")
        return self.model_copy(
            update={"summary": summary, "summarised_through": through, "version": self.version + 1}
        )
