"""Conversation turns for the conversation repositories' tests, in-memory and on the local cloud."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tradewind.assistant.conversations import Conversation, Turn

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def a_turn(conversation: Conversation, index: int, **changes: Any) -> Turn:
    """Turn ``index`` of ``conversation``, a minute after the one before, with ``changes`` applied."""
    fields: dict[str, Any] = {
        "conversation_id": conversation.id,
        "index": index,
        "at": NOW + timedelta(minutes=index),
        "message": f"message {index}",
        "reply": f"reply {index}",
        "engine": "offline",
    }
    return Turn.model_validate(fields | changes)
