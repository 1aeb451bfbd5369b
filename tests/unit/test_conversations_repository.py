"""The conversation memory's rules, on the in-memory repository unit tests use in its place."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from tests.support.conversations import NOW, a_turn
from tests.unit.memory import InMemoryConversationsRepository
from tradewind.assistant.conversations import (
    Conversation,
    ToolCallRecord,
    is_conversation_id,
    new_conversation_id,
    title_of,
)
from tradewind.assistant.memory_repository import MAX_TURN_BYTES, ConversationsRepository
from tradewind.errors import Conflict, InvalidInput, NotFound


@pytest.fixture
def repository() -> ConversationsRepository:
    return InMemoryConversationsRepository()


def test_ids_sort_by_creation_and_titles_are_one_line_of_80() -> None:
    first = new_conversation_id()
    assert is_conversation_id(first)
    assert not is_conversation_id(first + "#TURN")
    assert title_of("  what is\n my   portfolio   worth? ") == "what is my portfolio worth?"
    assert len(title_of("word " * 40)) <= 80
    assert Conversation.start("u1", "hi", NOW).model_dump(exclude={"id"}) == {
        "user_id": "u1",
        "title": "hi",
        "created_at": NOW,
        "updated_at": NOW,
        "turn_count": 0,
        "summary": None,
        "summarised_through": 0,
        "version": 1,
    }


def test_turns_are_appended_in_order_on_the_version_read(repository: ConversationsRepository) -> None:
    # Given a new conversation
    conversation = Conversation.start("u1", "price of ETH", NOW)
    repository.create(conversation)
    # When two turns are appended, each on the version the previous append returned
    tool = ToolCallRecord(name="prices", arguments={"symbols": ["ETH"]}, ok=True, duration_ms=12.5)
    after_first = repository.append_turn(
        "u1", conversation.id, a_turn(conversation, 0, tool_calls=[tool]), expected_version=1
    )
    after_second = repository.append_turn("u1", conversation.id, a_turn(conversation, 1), expected_version=2)
    # Then the conversation counts them and the turns read back in order
    assert (after_second.turn_count, after_second.version, after_second.updated_at) == (
        2,
        3,
        NOW + timedelta(minutes=1),
    )
    assert after_first.turn_count == 1
    assert repository.get("u1", conversation.id) == after_second
    assert [t.index for t in repository.turns("u1", conversation.id)] == [0, 1]
    assert [t.index for t in repository.turns("u1", conversation.id, start=1)] == [1]
    assert repository.turns("u1", conversation.id)[0].tool_calls == [tool]


def test_a_stale_version_a_wrong_turn_and_an_unknown_conversation_are_refused(
    repository: ConversationsRepository,
) -> None:
    conversation = Conversation.start("u1", "hello", NOW)
    repository.create(conversation)
    with pytest.raises(Conflict):
        repository.create(conversation)
    repository.append_turn("u1", conversation.id, a_turn(conversation, 0), expected_version=1)
    # A writer that read version 1 lost to the append above
    with pytest.raises(Conflict):
        repository.append_turn("u1", conversation.id, a_turn(conversation, 1), expected_version=1)
    with pytest.raises(InvalidInput, match="next turn"):
        repository.append_turn("u1", conversation.id, a_turn(conversation, 5), expected_version=2)
    other = Conversation.start("u1", "other", NOW)
    with pytest.raises(InvalidInput, match="another conversation"):
        repository.append_turn("u1", conversation.id, a_turn(other, 1), expected_version=2)
    with pytest.raises(NotFound):
        repository.append_turn("u1", other.id, a_turn(other, 0), expected_version=1)
    # Another user's id names nothing
    with pytest.raises(NotFound):
        repository.append_turn("u2", conversation.id, a_turn(conversation, 1), expected_version=2)
    assert repository.get("u2", conversation.id) is None
    assert not repository.delete("u2", conversation.id)


def test_an_oversized_turn_is_refused_before_anything_is_written(repository: ConversationsRepository) -> None:
    conversation = Conversation.start("u1", "chart", NOW)
    repository.create(conversation)
    huge = [{"kind": "chart", "series": "x" * MAX_TURN_BYTES}]
    with pytest.raises(InvalidInput, match="bytes"):
        repository.append_turn("u1", conversation.id, a_turn(conversation, 0, cards=huge), expected_version=1)
    assert repository.turns("u1", conversation.id) == []


def test_json_values_read_back_as_json(repository: ConversationsRepository) -> None:
    conversation = Conversation.start("u1", "price", NOW)
    repository.create(conversation)
    card = {"kind": "price", "usd": Decimal("3120.5")}
    repository.append_turn("u1", conversation.id, a_turn(conversation, 0, cards=[card]), expected_version=1)
    assert repository.turns("u1", conversation.id)[0].cards == [{"kind": "price", "usd": "3120.5"}]


def test_a_summary_covers_existing_turns_on_the_version_read(repository: ConversationsRepository) -> None:
    conversation = Conversation.start("u1", "hello", NOW)
    repository.create(conversation)
    for index in range(3):
        repository.append_turn("u1", conversation.id, a_turn(conversation, index), expected_version=index + 1)
    with pytest.raises(InvalidInput, match="summary can cover"):
        repository.summarise("u1", conversation.id, "too far", through=4, expected_version=4)
    summarised = repository.summarise("u1", conversation.id, "asked about ETH", through=2, expected_version=4)
    assert (summarised.summary, summarised.summarised_through, summarised.version) == (
        "asked about ETH",
        2,
        5,
    )
    assert summarised.updated_at == NOW + timedelta(minutes=2)
    with pytest.raises(Conflict):
        repository.summarise("u1", conversation.id, "stale", through=3, expected_version=4)


def test_lists_newest_first_in_pages_and_delete_removes_the_turns(
    repository: ConversationsRepository,
) -> None:
    made = []
    for n in range(4):
        conversation = Conversation.start("u1", f"chat {n}", NOW)
        repository.create(conversation)
        made.append(conversation.id)
    first = repository.list("u1", limit=3)
    rest = repository.list("u1", limit=3, before=first[-1].id)
    assert [c.id for c in first + rest] == sorted(made, reverse=True)
    target = first[0]
    repository.append_turn("u1", target.id, a_turn(target, 0), expected_version=1)
    assert repository.delete("u1", target.id)
    assert repository.get("u1", target.id) is None
    assert repository.turns("u1", target.id) == []
    assert not repository.delete("u1", target.id)
