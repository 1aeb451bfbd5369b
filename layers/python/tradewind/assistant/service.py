"""The assistant: one chat turn end to end, and the user's conversations.

A turn: read the conversation, parse the message (always: the parse also decides what the turn
may write), answer with the model when one is configured and answers, else with the offline
engine, check the reply's figures against the turn's tool results, then store the turn in one
conditional write (a concurrent turn in the same conversation is a Conflict, not a fork) and fold
old turns into the summary when due.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import TypeAdapter

from tradewind.assistant import memory
from tradewind.assistant.conversations import Conversation, ToolCallRecord, Turn
from tradewind.assistant.engine import EngineTurn, guarded
from tradewind.assistant.grounding import check
from tradewind.assistant.intents import Context, Intent, KnownChain, parse
from tradewind.assistant.memory_repository import ConversationsRepository
from tradewind.assistant.model import ModelEngine
from tradewind.assistant.offline import OfflineEngine
from tradewind.assistant.replies import ChatReply
from tradewind.assistant.toolbox import TurnContext
from tradewind.errors import DependencyUnavailable, NotFound
from tradewind.observability import logger

_INTENT = TypeAdapter[Intent](Intent)
UNGROUNDED_NOTE = "\n\n> Not from this turn's data, so unverified: {figures}."
MODEL_DOWN_NOTE = "The model did not answer, so the built-in engine answered instead."


@dataclass(frozen=True)
class Vocabulary:
    """The tokens and chains a message may name."""

    symbols: frozenset[str]
    chains: tuple[KnownChain, ...]


class AssistantService:
    def __init__(
        self,
        conversations: ConversationsRepository,
        offline: OfflineEngine,
        model: ModelEngine | None,
        vocabulary: Callable[[], Vocabulary],
        clock: Callable[[], datetime],
        *,
        recent_turns: int,
    ) -> None:
        self._conversations = conversations
        self._offline = offline
        self._model = model
        self._vocabulary = vocabulary
        self._clock = clock
        self._recent_turns = recent_turns

    def chat(self, user_id: str, conversation_id: str | None, message: str, *, may_trade: bool) -> ChatReply:
        """Answer ``message``; ``may_trade`` (the caller's trade scope) lets the turn propose a trade."""
        conversation = self._conversation(user_id, conversation_id, message)
        recent = (
            self._conversations.turns(
                user_id,
                conversation.id,
                start=max(conversation.summarised_through, conversation.turn_count - self._recent_turns),
            )
            if conversation_id is not None
            else []
        )
        previous = _previous_intent(recent)
        words = self._vocabulary()
        intent = parse(message, Context(symbols=words.symbols, chains=words.chains, previous=previous))
        context = TurnContext(user_id, conversation.id, conversation.turn_count)
        if may_trade:
            context = guarded(context, intent)
        answered = self._answer(context, intent, conversation, recent, message)
        grounding = check(answered.reply, answered.grounding_sources(), message)
        reply = answered.reply
        if grounding.ungrounded:
            reply += UNGROUNDED_NOTE.format(figures=", ".join(grounding.ungrounded))
            logger.warning("ungrounded figures in a reply", extra={"figures": list(grounding.ungrounded)})
        turn = Turn(
            conversation_id=conversation.id,
            index=conversation.turn_count,
            at=self._clock(),
            message=message,
            reply=reply,
            cards=[c.model_dump(mode="json") for c in answered.cards],
            actions=[a.model_dump(mode="json") for a in answered.actions],
            intent=_INTENT.dump_python(intent, mode="json"),
            tool_calls=[
                ToolCallRecord(
                    name=r.name, arguments=r.arguments, ok=r.ok, error=r.error, duration_ms=r.duration_ms
                )
                for r in answered.tool_results
            ],
            ungrounded=list(grounding.ungrounded),
            engine=answered.engine,
        )
        if conversation_id is None:
            # Created only once the turn is answered: a turn that fails leaves no empty conversation.
            self._conversations.create(conversation)
        stored = self._conversations.append_turn(user_id, conversation.id, turn, conversation.version)
        self._summarise(user_id, stored)
        return ChatReply(
            conversation_id=conversation.id,
            turn=turn.index,
            reply=reply,
            cards=answered.cards,
            actions=answered.actions,
            engine=answered.engine,
            intent=intent.kind,
            grounding=grounding,
            notices=list(answered.notices),
        )

    def conversations(self, user_id: str, limit: int, before: str | None) -> list[Conversation]:
        return self._conversations.list(user_id, limit, before)

    def conversation(self, user_id: str, conversation_id: str) -> tuple[Conversation, list[Turn]]:
        conversation = self._conversations.get(user_id, conversation_id)
        if conversation is None:
            raise NotFound("no conversation with this id; see GET /v1/conversations")
        return conversation, self._conversations.turns(user_id, conversation_id)

    def delete(self, user_id: str, conversation_id: str) -> None:
        if not self._conversations.delete(user_id, conversation_id):
            raise NotFound("no conversation with this id; see GET /v1/conversations")

    def _conversation(self, user_id: str, conversation_id: str | None, message: str) -> Conversation:
        """The conversation continued, or a new one (not stored yet) that ``message`` starts."""
        if conversation_id is None:
            return Conversation.start(user_id, message, self._clock())
        found = self._conversations.get(user_id, conversation_id)
        if found is None:
            raise NotFound("no conversation with this id; omit conversation_id to start one")
        return found

    def _answer(
        self,
        context: TurnContext,
        intent: Intent,
        conversation: Conversation,
        recent: Sequence[Turn],
        message: str,
    ) -> EngineTurn:
        if self._model is None:
            return self._offline.turn(context, intent)
        try:
            return self._model.turn(context, memory.history(conversation.summary, recent), message)
        except DependencyUnavailable as e:
            logger.warning("the model did not answer; the offline engine answers", extra={"error": str(e)})
            answered = self._offline.turn(context, intent)
            return EngineTurn(
                reply=answered.reply,
                engine="offline",
                tool_results=answered.tool_results,
                notices=(MODEL_DOWN_NOTE,),
            )

    def _summarise(self, user_id: str, conversation: Conversation) -> None:
        through = memory.due(conversation.turn_count, conversation.summarised_through, self._recent_turns)
        if through is None:
            return
        folded = self._conversations.turns(user_id, conversation.id, start=conversation.summarised_through)
        folded = [t for t in folded if t.index < through]
        summary = memory.fold(conversation.summary, folded)
        self._conversations.summarise(user_id, conversation.id, summary, through, conversation.version)


def _previous_intent(recent: Sequence[Turn]) -> Intent | None:
    """The last turn's intent, for follow-ups: stored as JSON, so read in JSON mode (intents are strict)."""
    if not recent or recent[-1].intent is None:
        return None
    return _INTENT.validate_json(json.dumps(recent[-1].intent))
