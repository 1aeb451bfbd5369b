"""What ``POST /v1/chat`` answers; kept apart from the service so the API declares it without importing
the engines at cold start."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from tradewind.assistant.cards import Action, Card
from tradewind.assistant.grounding import Grounding


class ChatReply(BaseModel):
    """One answered turn: the reply, what the client renders, and how it was checked."""

    model_config = ConfigDict(frozen=True)

    conversation_id: str
    turn: int
    reply: str
    cards: list[Card]
    actions: list[Action]
    engine: str
    intent: str | None
    grounding: Grounding
    notices: list[str]
