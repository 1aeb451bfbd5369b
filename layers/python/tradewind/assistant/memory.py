"""What the model sees of a conversation: a summary of the older turns and the recent ones verbatim.

Decisions:
- The last ``recent_turns`` turns go to the model as they were (user message, reply). Once more than
  twice that many are unsummarised, the older ones are folded into the summary, so the context is
  bounded by the summary's cap plus ``2 * recent_turns`` turns, however long the conversation.
- The summary is extractive and deterministic: each folded turn becomes one line with the
  question and the first line of the answer, both cut short; the oldest lines drop first once the
  summary reaches its cap. A model-written summary would cost a round trip on some turns and could
  itself invent figures; figures in this one are old, and the prompt says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tradewind.assistant.conversations import Turn

SUMMARY_MAX_CHARS = 4_000
_LINE_PART_CHARS = 160
SUMMARY_HEADING = "Earlier in this conversation (old figures; use tools for current ones):"


def fold(summary: str | None, turns: Sequence[Turn]) -> str:
    """``summary`` with ``turns`` added, one line each, keeping the newest lines within the cap."""
    lines = [line for line in (summary or "").splitlines() if line]
    lines += [f"- asked: {_cut(t.message)} / answered: {_cut(_first_line(t.reply))}" for t in turns]
    while lines and sum(len(line) + 1 for line in lines) > SUMMARY_MAX_CHARS:
        lines.pop(0)
    return "\n".join(lines)


def due(turn_count: int, summarised_through: int, recent_turns: int) -> int | None:
    """Up to which turn to summarise now, or None while the unsummarised turns are few enough."""
    if turn_count - summarised_through <= 2 * recent_turns:
        return None
    return turn_count - recent_turns


def history(summary: str | None, recent: Sequence[Turn]) -> list[dict[str, Any]]:
    """The chat messages that stand for the conversation before the current message."""
    messages: list[dict[str, Any]] = []
    if summary:
        messages.append(
            {
                "role": "system",
                "content": f"{SUMMARY_HEADING}\n{summary}",
            }
        )
    for turn in recent:
        messages.append({"role": "user", "content": turn.message})
        messages.append({"role": "assistant", "content": turn.reply})
    return messages


def _first_line(text: str) -> str:
    return next((line for line in text.splitlines() if line.strip()), "")


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _LINE_PART_CHARS else text[: _LINE_PART_CHARS - 1] + "…"
