"""The assistant's conversation memory on the accounts table (PynamoDB stays inside this module).

Items:
- ``USER#<user>`` / ``CONVERSATION#<conversation id>``: the conversation as JSON and its version.
  It sits beside the user's other items, so one Query lists a user's conversations; ids sort by
  creation time, so that Query reads them newest first.
- ``CHAT#<user>#<conversation id>`` / ``TURN#<index, 6 digits>``: one turn as JSON, never changed.
  One Query reads a conversation's turns in order. The user id in the key scopes turns to their
  owner as the conversation's key does.

An append writes the turn (only if its index is free) and the conversation (only if still at the
version read) in one transaction, so turns are numbered without gaps or duplicates and a racing
append or summary loses with Conflict. Item sizes are bounded: the conversation by its title and
summary limits (``conversations``), a turn by ``MAX_TURN_BYTES`` (the caller caps its cards).
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from contextlib import contextmanager

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from tradewind.assistant.conversations import MAX_TURN_INDEX, Conversation, Turn, is_conversation_id
from tradewind.assistant.memory_repository import serialized_turn
from tradewind.errors import Conflict, DependencyUnavailable, NotFound
from tradewind.storage.accounts_table import AccountsTableItem
from tradewind.storage.dynamodb import DEPENDENCY, ConditionFailed, get_item, translate_errors

_INDEX_DIGITS = 6
# A racing write refuses ours either by a failed condition or, on DynamoDB (never the emulator,
# which serialises requests), by a conflict with the other transaction in flight.
_LOST_RACE = {"ConditionalCheckFailed", "TransactionConflict"}
_MOVED = "the conversation changed while this was written; read it again"


class _ConversationItem(AccountsTableItem):
    conversation_id = UnicodeAttribute()
    document = UnicodeAttribute()  # the Conversation as JSON
    version = NumberAttribute()  # also in the document; an attribute so that writes can check it


class _TurnItem(AccountsTableItem):
    turn_index = NumberAttribute()
    at = UTCDateTimeAttribute()
    document = UnicodeAttribute()  # the Turn as JSON


def _user_key(user_id: str) -> str:
    return f"USER#{user_id}"


def _conversation_key(conversation_id: str) -> str:
    return f"CONVERSATION#{conversation_id}"


def _chat_key(user_id: str, conversation_id: str) -> str:
    return f"CHAT#{user_id}#{conversation_id}"


def _turn_key(index: int) -> str:
    return f"TURN#{index:0{_INDEX_DIGITS}d}"


def _conversation_item(conversation: Conversation) -> _ConversationItem:
    return _ConversationItem(
        _user_key(conversation.user_id),
        _conversation_key(conversation.id),
        conversation_id=conversation.id,
        document=conversation.model_dump_json(),
        version=conversation.version,
    )


class DynamoConversationsRepository:
    """ConversationsRepository on the accounts table; every read is strongly consistent."""

    def __init__(self) -> None:
        # One connection for every transaction: creating its botocore client costs more than the
        # transaction itself. Sized like the table's model pool.
        self._connection = Connection(max_pool_connections=AccountsTableItem.Meta.max_pool_connections)

    def create(self, conversation: Conversation) -> None:
        try:
            with translate_errors():
                _conversation_item(conversation).save(condition=_ConversationItem.pk.does_not_exist())
        except ConditionFailed as e:
            raise Conflict("a conversation with this id already exists") from e

    def get(self, user_id: str, conversation_id: str) -> Conversation | None:
        # An id that new_conversation_id could not have made might carry a "#" into the turns' key.
        if not is_conversation_id(conversation_id):
            return None
        item = get_item(_ConversationItem, _user_key(user_id), _conversation_key(conversation_id))
        return Conversation.model_validate_json(item.document) if item else None

    def list(self, user_id: str, limit: int, before: str | None = None) -> builtins.list[Conversation]:
        condition: Condition = _ConversationItem.sk.startswith(_conversation_key(""))
        if before is not None:
            # Between is inclusive: the ``before`` conversation itself is read and dropped.
            condition = _ConversationItem.sk.between(_conversation_key(""), _conversation_key(before))
        with translate_errors():
            items = _ConversationItem.query(
                _user_key(user_id), condition, scan_index_forward=False, limit=limit + 1, consistent_read=True
            )
            conversations = [Conversation.model_validate_json(item.document) for item in items]
        return [c for c in conversations if c.id != before][:limit]

    def append_turn(
        self, user_id: str, conversation_id: str, turn: Turn, expected_version: int
    ) -> Conversation:
        document = serialized_turn(turn)
        # Read first: the write must return the whole conversation, and a stale version or a wrong
        # index is refused here without a transaction. The transaction still checks the version.
        updated = self._current(user_id, conversation_id, expected_version).with_turn(turn)
        turn_item = _TurnItem(
            _chat_key(user_id, conversation_id),
            _turn_key(turn.index),
            turn_index=turn.index,
            at=turn.at,
            document=document,
        )
        with _lost_race_is_conflict(), TransactWrite(connection=self._connection) as tx:
            tx.save(turn_item, condition=_TurnItem.pk.does_not_exist())
            tx.save(_conversation_item(updated), condition=_ConversationItem.version == expected_version)
        return updated

    def turns(self, user_id: str, conversation_id: str, start: int = 0) -> builtins.list[Turn]:
        if not is_conversation_id(conversation_id):
            return []
        with translate_errors():
            items = _TurnItem.query(
                _chat_key(user_id, conversation_id),
                _TurnItem.sk.between(_turn_key(max(start, 0)), _turn_key(MAX_TURN_INDEX)),
                consistent_read=True,
            )
            return [Turn.model_validate_json(item.document) for item in items]

    def summarise(
        self, user_id: str, conversation_id: str, summary: str, through: int, expected_version: int
    ) -> Conversation:
        updated = self._current(user_id, conversation_id, expected_version).summarised(summary, through)
        with _lost_race_is_conflict():
            _conversation_item(updated).save(condition=_ConversationItem.version == expected_version)
        return updated

    def delete(self, user_id: str, conversation_id: str) -> bool:
        if not is_conversation_id(conversation_id):
            return False
        # The conversation goes first: every append is conditional on it, so once it is gone no
        # turn can be added behind the sweep below.
        try:
            with translate_errors():
                _ConversationItem(_user_key(user_id), _conversation_key(conversation_id)).delete(
                    condition=_ConversationItem.pk.exists()
                )
            existed = True
        except ConditionFailed:
            existed = False
        # Swept even when the conversation was already gone, so that retrying an interrupted
        # delete removes what it left behind.
        with translate_errors(), _TurnItem.batch_write() as batch:
            for item in _TurnItem.query(
                _chat_key(user_id, conversation_id),
                _TurnItem.sk.startswith("TURN#"),
                consistent_read=True,
                attributes_to_get=["pk", "sk"],
            ):
                batch.delete(item)  # sent 25 at a time, BatchWriteItem's limit
        return existed

    def _current(self, user_id: str, conversation_id: str, expected_version: int) -> Conversation:
        conversation = self.get(user_id, conversation_id)
        if conversation is None:
            raise NotFound("no such conversation")
        if conversation.version != expected_version:
            raise Conflict(f"the conversation is at version {conversation.version}, not {expected_version}")
        return conversation


@contextmanager
def _lost_race_is_conflict() -> Iterator[None]:
    """A write refused by its condition, or by a transaction in flight, is Conflict (read again)."""
    try:
        yield
    except TransactWriteError as e:
        if {reason.code for reason in e.cancellation_reasons if reason is not None} & _LOST_RACE:
            raise Conflict(_MOVED) from e
        raise DependencyUnavailable(f"DynamoDB transaction failed: {e.msg}", dependency=DEPENDENCY) from e
    except PynamoDBException as e:
        if e.cause_response_code == "ConditionalCheckFailedException":
            raise Conflict(_MOVED) from e
        raise DependencyUnavailable(f"DynamoDB request failed: {e.msg}", dependency=DEPENDENCY) from e
