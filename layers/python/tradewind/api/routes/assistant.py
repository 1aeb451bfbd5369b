"""/v1/chat and /v1/conversations: the assistant, and the conversations it remembers.

Chatting needs ``read``; a turn may propose a trade only for a caller with the ``trade`` scope (the
proposal still waits for approval). Deleting a conversation needs ``write``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from tradewind.accounts.models import Scope
from tradewind.api.security import Reader, ServicesDep, Writer
from tradewind.assistant.conversations import CONVERSATION_ID_PATTERN, Conversation
from tradewind.assistant.replies import ChatReply

router = APIRouter(prefix="/v1", tags=["assistant"])

MAX_MESSAGE_CHARS = 2_000


Message = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_MESSAGE_CHARS)]


class ChatRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    conversation_id: str | None = Field(default=None, pattern=CONVERSATION_ID_PATTERN)
    message: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_MESSAGE_CHARS)
    ]


class ConversationList(BaseModel):
    items: list[Conversation]
    next: str | None


class ConversationView(BaseModel):
    conversation: Conversation
    turns: list[dict[str, Any]]


@router.post("/chat", response_model=ChatReply)
def chat(body: ChatRequest, principal: Reader, svc: ServicesDep) -> ChatReply:
    """One turn: the reply, the cards and actions it carries; starts a conversation without an id."""
    return svc.assistant().chat(
        principal.user_id, body.conversation_id, body.message, may_trade=Scope.TRADE in principal.scopes
    )


@router.get("/conversations", response_model=ConversationList)
def list_conversations(
    principal: Reader,
    svc: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    before: Annotated[str | None, Query(pattern=CONVERSATION_ID_PATTERN)] = None,
) -> ConversationList:
    """The caller's conversations, newest first."""
    items = svc.assistant().conversations(principal.user_id, limit, before)
    return ConversationList(items=items, next=items[-1].id if len(items) == limit else None)


@router.get("/conversations/{conversation_id}", response_model=ConversationView)
def get_conversation(conversation_id: str, principal: Reader, svc: ServicesDep) -> ConversationView:
    """One conversation with its turns in order; someone else's is 404."""
    conversation, turns = svc.assistant().conversation(principal.user_id, conversation_id)
    return ConversationView(conversation=conversation, turns=[t.model_dump(mode="json") for t in turns])


@router.delete("/conversations/{conversation_id}", status_code=204)
def delete_conversation(conversation_id: str, principal: Writer, svc: ServicesDep) -> Response:
    """Forget a conversation and every turn of it."""
    svc.assistant().delete(principal.user_id, conversation_id)
    return Response(status_code=204)
