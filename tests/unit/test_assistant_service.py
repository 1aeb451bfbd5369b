"""The assistant service over in-memory conversations and a one-tool toolbox: what a turn stores."""

from __future__ import annotations

import pytest

from tests.unit.memory import FakeClock, InMemoryConversationsRepository
from tradewind.assistant.intents import KnownChain
from tradewind.assistant.offline import OfflineEngine
from tradewind.assistant.service import AssistantService, Vocabulary
from tradewind.assistant.toolbox import Tool, Toolbox, ToolOutput, TurnContext
from tradewind.assistant.tools import PricesArgs

USER = "u1"
WORDS = Vocabulary(symbols=frozenset({"ETH", "WBTC"}), chains=(KnownChain(key="local-l1", names=("l1",)),))


def _service(
    prices: Tool[PricesArgs], recent_turns: int = 6
) -> tuple[AssistantService, InMemoryConversationsRepository]:
    repository = InMemoryConversationsRepository()
    engine = OfflineEngine(Toolbox([prices]))
    return AssistantService(
        repository, engine, None, lambda: WORDS, FakeClock(), recent_turns=recent_turns
    ), repository


def _price(_context: TurnContext, args: PricesArgs) -> ToolOutput:
    line = {
        "symbol": args.symbols[0],
        "usd": "3000.5",
        "source": "test",
        "observed_at": "2026-11-25T12:00:00Z",
    }
    return ToolOutput(data={"prices": [line | {"flagged": False}], "unknown": []})


def _broken(_context: TurnContext, _args: PricesArgs) -> ToolOutput:
    raise RuntimeError("a bug in a tool")


def test_a_turn_that_fails_leaves_no_conversation_behind() -> None:
    # Given a tool with a bug
    service, repository = _service(Tool("get_prices", "Prices.", PricesArgs, _broken))
    # When a new conversation's first turn reaches it
    with pytest.raises(RuntimeError):
        service.chat(USER, None, "price of ETH", may_trade=False)
    # Then nothing was stored: no empty conversation, no half-written turn
    assert repository.list(USER, 10, None) == []


def test_a_conversation_is_stored_with_its_first_answered_turn_and_followed_up() -> None:
    service, repository = _service(Tool("get_prices", "Prices.", PricesArgs, _price))
    first = service.chat(USER, None, "price of ETH", may_trade=False)
    second = service.chat(USER, first.conversation_id, "and WBTC?", may_trade=False)
    [conversation] = repository.list(USER, 10, None)
    assert (conversation.id, conversation.title, conversation.turn_count) == (
        first.conversation_id,
        "price of ETH",
        2,
    )
    assert (first.reply, second.reply) == ("- ETH: $3,000.50", "- WBTC: $3,000.50")
    assert second.intent == "price"


def test_older_turns_are_folded_into_the_summary_once_due() -> None:
    # Given a service showing the model one recent turn
    service, repository = _service(Tool("get_prices", "Prices.", PricesArgs, _price), recent_turns=1)
    conversation_id = service.chat(USER, None, "price of ETH", may_trade=False).conversation_id
    # When three turns have been answered (more than twice the recent ones)
    for message in ("and WBTC?", "and ETH?"):
        service.chat(USER, conversation_id, message, may_trade=False)
    # Then the first two are summarised, the last kept verbatim
    stored = repository.get(USER, conversation_id)
    assert stored is not None
    assert stored.summarised_through == 2
    assert stored.summary == (
        "- asked: price of ETH / answered: - ETH: $3,000.50\n- asked: and WBTC? / answered: - WBTC: $3,000.50"
    )
