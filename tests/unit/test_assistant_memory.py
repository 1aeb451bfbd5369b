"""What the model sees of a conversation: recent turns verbatim, older ones folded into a summary."""

from __future__ import annotations

from datetime import UTC, datetime

from tradewind.assistant.conversations import Turn, new_conversation_id
from tradewind.assistant.memory import SUMMARY_HEADING, SUMMARY_MAX_CHARS, due, fold, history

CONVERSATION = new_conversation_id()


def _turn(index: int, message: str = "price of ETH", reply: str = "- ETH: $3,000.00") -> Turn:
    return Turn(
        conversation_id=CONVERSATION,
        index=index,
        at=datetime(2026, 11, 25, tzinfo=UTC),
        message=message,
        reply=reply,
        engine="offline",
    )


def test_summarising_is_due_once_twice_the_recent_turns_are_unsummarised() -> None:
    assert due(turn_count=12, summarised_through=0, recent_turns=6) is None
    assert due(turn_count=13, summarised_through=0, recent_turns=6) == 7
    assert due(turn_count=19, summarised_through=7, recent_turns=6) is None
    assert due(turn_count=20, summarised_through=7, recent_turns=6) == 14


def test_a_folded_turn_is_one_line_of_question_and_first_line_of_answer() -> None:
    summary = fold(
        None, [_turn(0, "what's my   portfolio?", "\nYour portfolio is worth **$9.00**.\n- 1 ETH")]
    )
    assert summary == "- asked: what's my portfolio? / answered: Your portfolio is worth **$9.00**."


def test_the_summary_keeps_the_newest_lines_within_its_cap() -> None:
    long = "x" * 500
    summary = fold(None, [_turn(i, f"{i} {long}") for i in range(60)])
    assert len(summary) <= SUMMARY_MAX_CHARS
    assert summary.splitlines()[-1].startswith("- asked: 59 ")
    assert "- asked: 0 " not in summary


def test_history_is_the_summary_then_each_recent_turn_as_user_and_assistant() -> None:
    messages = history("- asked: a / answered: b", [_turn(7, "and WBTC?", "- WBTC: $60,000.00")])
    assert messages == [
        {"role": "system", "content": f"{SUMMARY_HEADING}\n- asked: a / answered: b"},
        {"role": "user", "content": "and WBTC?"},
        {"role": "assistant", "content": "- WBTC: $60,000.00"},
    ]
    assert history(None, []) == []
