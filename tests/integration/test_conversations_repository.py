"""The assistant's conversation memory on the emulator's accounts table: ordering, pages, racing
appends, summaries, and deletes that leave nothing behind."""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from localcloud import LocalCloud
from tests.support.conversations import NOW, a_turn
from tradewind.assistant.conversations import Conversation, ToolCallRecord
from tradewind.assistant.dynamodb import DynamoConversationsRepository
from tradewind.assistant.memory_repository import MAX_TURN_BYTES
from tradewind.aws.clients import client as aws_client
from tradewind.errors import Conflict, InvalidInput, NotFound
from tradewind.storage.accounts_table import bind_accounts_table

pytestmark = pytest.mark.integration

WRITERS = 8


@pytest.fixture(scope="module")
def table(local_cloud: LocalCloud, api_environment: dict[str, str]) -> str:
    """The local cloud's accounts table, bound (the API's environment names the emulator)."""
    name: str = local_cloud.deployment.outputs["AccountsTableName"]
    bind_accounts_table(name)
    return name


@pytest.fixture
def conversations(table: str) -> DynamoConversationsRepository:
    return DynamoConversationsRepository()


@pytest.fixture
def user_id() -> str:
    """A user of this test alone: each test writes its own conversations."""
    return f"chat-{uuid.uuid4().hex}"


def _started(
    conversations: DynamoConversationsRepository, user_id: str, message: str = "hello"
) -> Conversation:
    conversation = Conversation.start(user_id, message, NOW)
    conversations.create(conversation)
    return conversation


def _raw_keys(table: str, pk: str) -> list[str]:
    """The sort keys stored under ``pk``, read straight from the table."""
    items = aws_client("dynamodb").query(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": pk}},
        ConsistentRead=True,
    )["Items"]
    return sorted(item["sk"]["S"] for item in items)


def test_a_conversation_is_created_once_and_read_back(
    conversations: DynamoConversationsRepository, user_id: str, table: str
) -> None:
    # Given a conversation started from a long first message
    conversation = _started(conversations, user_id, "how is my portfolio doing " * 10)
    # When it is read back
    stored = conversations.get(user_id, conversation.id)
    # Then it is the same, titled after the message, under the user's key
    assert stored == conversation
    assert len(conversation.title) <= 80
    assert _raw_keys(table, f"USER#{user_id}") == [f"CONVERSATION#{conversation.id}"]
    # And its id cannot be taken twice
    with pytest.raises(Conflict):
        conversations.create(conversation)


def test_lists_page_newest_first(conversations: DynamoConversationsRepository, user_id: str) -> None:
    # Given five conversations started one after another
    made = []
    for n in range(5):
        made.append(_started(conversations, user_id, f"chat {n}").id)
        time.sleep(0.002)  # ids order by the millisecond
    # When they are listed two at a time
    first = conversations.list(user_id, limit=2)
    second = conversations.list(user_id, limit=2, before=first[-1].id)
    third = conversations.list(user_id, limit=2, before=second[-1].id)
    # Then the pages hold them all, newest first, and the last page is short
    assert [c.id for c in first + second + third] == made[::-1]
    assert len(third) == 1
    assert conversations.list(user_id, limit=2, before=third[-1].id) == []
    assert conversations.list(f"{user_id}-nobody", limit=2) == []


def test_turns_are_appended_in_order_and_counted(
    conversations: DynamoConversationsRepository, user_id: str, table: str
) -> None:
    # Given a conversation
    conversation = _started(conversations, user_id)
    tool = ToolCallRecord(name="prices", arguments={"symbols": ["ETH"]}, ok=True, duration_ms=12.5)
    failed = ToolCallRecord(name="quote", arguments={}, ok=False, error="no route", duration_ms=3.0)
    # When three turns are appended, each on the version the previous append returned
    current = conversation
    appended = []
    for index in range(3):
        turn = a_turn(
            conversation,
            index,
            cards=[{"kind": "price", "series": [[1, 2.5], [2, 2.75]]}],
            actions=[{"kind": "confirm", "trade": "t1"}],
            intent={"kind": "price", "symbols": ["ETH"]},
            tool_calls=[tool, failed],
            ungrounded=["42"],
            engine="model" if index else "offline",
        )
        current = conversations.append_turn(user_id, conversation.id, turn, expected_version=current.version)
        appended.append(turn)
    # Then the conversation counts them and the turns read back whole, in order
    assert (current.turn_count, current.version, current.updated_at) == (3, 4, NOW + timedelta(minutes=2))
    assert conversations.get(user_id, conversation.id) == current
    assert conversations.turns(user_id, conversation.id) == appended
    assert conversations.turns(user_id, conversation.id, start=2) == appended[2:]
    assert _raw_keys(table, f"CHAT#{user_id}#{conversation.id}") == [
        "TURN#000000",
        "TURN#000001",
        "TURN#000002",
    ]
    # And a stale version, a skipped index and an unknown conversation are refused
    with pytest.raises(Conflict):
        conversations.append_turn(user_id, conversation.id, a_turn(conversation, 3), expected_version=3)
    with pytest.raises(InvalidInput):
        conversations.append_turn(user_id, conversation.id, a_turn(conversation, 4), expected_version=4)
    other = Conversation.start(user_id, "never created", NOW)
    with pytest.raises(NotFound):
        conversations.append_turn(user_id, other.id, a_turn(other, 0), expected_version=1)


def test_of_racing_appends_on_one_version_exactly_one_wins(
    conversations: DynamoConversationsRepository, user_id: str
) -> None:
    # Given a conversation and writers that all read version 1, released at the same moment
    conversation = _started(conversations, user_id)
    start = threading.Barrier(WRITERS)

    def append(writer: int) -> Conversation | None:
        turn = a_turn(conversation, 0, message=f"writer {writer}")
        start.wait()
        try:
            return conversations.append_turn(user_id, conversation.id, turn, expected_version=1)
        except Conflict:
            return None

    # When they all append turn 0
    with ThreadPoolExecutor(WRITERS) as pool:
        outcomes = list(pool.map(append, range(WRITERS)))
    # Then one append won, every other one got Conflict, and only the winner's turn is stored
    winners = [writer for writer, outcome in enumerate(outcomes) if outcome is not None]
    assert len(winners) == 1
    stored = conversations.get(user_id, conversation.id)
    assert stored is not None
    assert (stored.turn_count, stored.version) == (1, 2)
    assert [t.message for t in conversations.turns(user_id, conversation.id)] == [f"writer {winners[0]}"]


def test_a_summary_is_kept_on_the_version_read(
    conversations: DynamoConversationsRepository, user_id: str
) -> None:
    # Given a conversation of three turns
    conversation = _started(conversations, user_id)
    for index in range(3):
        conversations.append_turn(
            user_id, conversation.id, a_turn(conversation, index), expected_version=index + 1
        )
    # When the first two are summarised
    summarised = conversations.summarise(
        user_id, conversation.id, "asked ETH's price", through=2, expected_version=4
    )
    # Then the summary is stored with the next version, and the turns stay
    assert conversations.get(user_id, conversation.id) == summarised
    assert (summarised.summary, summarised.summarised_through, summarised.version) == (
        "asked ETH's price",
        2,
        5,
    )
    assert len(conversations.turns(user_id, conversation.id)) == 3
    # And a summariser that read an older version, or covers turns that are not there, is refused
    with pytest.raises(Conflict):
        conversations.summarise(user_id, conversation.id, "stale", through=3, expected_version=4)
    with pytest.raises(InvalidInput):
        conversations.summarise(user_id, conversation.id, "too far", through=4, expected_version=5)


def test_a_large_turn_fits_and_an_oversized_one_is_refused(
    conversations: DynamoConversationsRepository, user_id: str
) -> None:
    conversation = _started(conversations, user_id)
    # A chart close to the limit is one item DynamoDB accepts...
    chart = {"kind": "chart", "series": "x" * (MAX_TURN_BYTES - 1_000)}
    large = a_turn(conversation, 0, cards=[chart])
    conversations.append_turn(user_id, conversation.id, large, expected_version=1)
    assert conversations.turns(user_id, conversation.id) == [large]
    # ...and one past it is refused before anything is written
    chart = {"kind": "chart", "series": "x" * MAX_TURN_BYTES}
    with pytest.raises(InvalidInput):
        conversations.append_turn(
            user_id, conversation.id, a_turn(conversation, 1, cards=[chart]), expected_version=2
        )
    stored = conversations.get(user_id, conversation.id)
    assert stored is not None
    assert stored.turn_count == 1


def test_delete_removes_the_conversation_and_every_turn(
    conversations: DynamoConversationsRepository, user_id: str, table: str
) -> None:
    # Given a conversation with more turns than one batch deletes, and another one of the same user
    conversation = _started(conversations, user_id)
    kept = _started(conversations, user_id, "kept")
    for index in range(30):
        conversations.append_turn(
            user_id, conversation.id, a_turn(conversation, index), expected_version=index + 1
        )
    conversations.append_turn(user_id, kept.id, a_turn(kept, 0), expected_version=1)
    # When the first is deleted
    assert conversations.delete(user_id, conversation.id)
    # Then none of its items is left, and the other conversation is untouched
    assert _raw_keys(table, f"CHAT#{user_id}#{conversation.id}") == []
    assert _raw_keys(table, f"USER#{user_id}") == [f"CONVERSATION#{kept.id}"]
    assert conversations.get(user_id, conversation.id) is None
    assert len(conversations.turns(user_id, kept.id)) == 1
    # And deleting it again reports that there was nothing to delete
    assert not conversations.delete(user_id, conversation.id)


def test_another_user_cannot_reach_someone_elses_conversation(
    conversations: DynamoConversationsRepository, user_id: str, table: str
) -> None:
    # Given a conversation of one user
    conversation = _started(conversations, user_id)
    conversations.append_turn(user_id, conversation.id, a_turn(conversation, 0), expected_version=1)
    intruder = f"{user_id}-intruder"
    # When another user asks for it by its id, writes to it or deletes it
    assert conversations.get(intruder, conversation.id) is None
    assert conversations.turns(intruder, conversation.id) == []
    assert conversations.list(intruder, limit=10) == []
    with pytest.raises(NotFound):
        conversations.append_turn(intruder, conversation.id, a_turn(conversation, 1), expected_version=2)
    with pytest.raises(NotFound):
        conversations.summarise(intruder, conversation.id, "mine now", through=1, expected_version=2)
    assert not conversations.delete(intruder, conversation.id)
    # Then the owner's conversation and turns are as they were
    stored = conversations.get(user_id, conversation.id)
    assert stored is not None
    assert stored.version == 2
    assert len(conversations.turns(user_id, conversation.id)) == 1
    assert _raw_keys(table, f"CHAT#{user_id}#{conversation.id}") == ["TURN#000000"]
    # And an id that no conversation could have is not read at all
    assert conversations.get(user_id, f"{conversation.id}#TURN") is None
    assert not conversations.delete(user_id, "../" + conversation.id)
