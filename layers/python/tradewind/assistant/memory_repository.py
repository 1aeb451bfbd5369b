"""The conversation memory port (DynamoDB in production, in memory in unit tests).

Listing order: conversation ids sort by creation time (``new_conversation_id``), so ``list`` returns a
user's conversations newest *created* first, and pages with the id of the last one seen. Ordering by
last activity instead would need an index item moved on every turn; the sort key gives creation order
for free, and a conversation's ``updated_at`` is there for a caller that wants to show activity.
"""

from __future__ import annotations

import builtins
from typing import Protocol

from tradewind.assistant.conversations import Conversation, Turn
from tradewind.errors import InvalidInput

# A turn is one DynamoDB item, and items stop at 400 KB (names and values together). The caller caps
# what goes in (cards, chart series, tool arguments); this is the backstop, with room for the
# attribute names and keys that the JSON text does not count.
MAX_TURN_BYTES = 350_000


def serialized_turn(turn: Turn) -> str:
    """The turn as the JSON it is stored as; InvalidInput when it is too large to store."""
    document = turn.model_dump_json()
    size = len(document.encode())
    if size > MAX_TURN_BYTES:
        raise InvalidInput(
            f"the turn is {size} bytes as JSON, more than the {MAX_TURN_BYTES} a turn may take; "
            "send fewer or smaller cards",
            field="cards",
        )
    return document


class ConversationsRepository(Protocol):
    """A user's conversations and their turns; every change is conditional on the version read.

    Every method is scoped to ``user_id``: another user's conversation id names nothing.
    """

    def create(self, conversation: Conversation) -> None:
        """Record a new conversation; Conflict when its id is already taken."""
        ...

    def get(self, user_id: str, conversation_id: str) -> Conversation | None:
        """The conversation (strongly consistent), or None."""
        ...

    def list(self, user_id: str, limit: int, before: str | None = None) -> builtins.list[Conversation]:
        """Newest created first; only those created before the conversation id ``before`` when given."""
        ...

    def append_turn(
        self, user_id: str, conversation_id: str, turn: Turn, expected_version: int
    ) -> Conversation:
        """Add ``turn`` and count it, atomically, provided the conversation is still at ``expected_version``.

        ``turn.index`` must be the conversation's ``turn_count`` at that version. NotFound when there
        is no such conversation; Conflict when it has moved on (a racing append or summary: read it
        again); InvalidInput for a turn of another conversation, a wrong index or an oversized turn.
        Returns the conversation as written (``updated_at`` = ``turn.at``, version + 1).
        """
        ...

    def turns(self, user_id: str, conversation_id: str, start: int = 0) -> builtins.list[Turn]:
        """The turns from index ``start`` on, in order; empty for an unknown conversation."""
        ...

    def summarise(
        self, user_id: str, conversation_id: str, summary: str, through: int, expected_version: int
    ) -> Conversation:
        """Keep ``summary`` as the condensed turns ``[0, through)``, if still at ``expected_version``.

        NotFound, Conflict as for ``append_turn``; InvalidInput when ``through`` is past the turns
        there are or the summary is too long. Returns the conversation as written (version + 1).
        """
        ...

    def delete(self, user_id: str, conversation_id: str) -> bool:
        """Remove the conversation and every turn of it; False when there was no such conversation.

        Safe to retry: turns left behind by an interrupted delete are removed by the next one.
        """
        ...
