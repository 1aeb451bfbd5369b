"""What an engine gives back for one turn, and the guard both engines share.

The guard decides from the user's own message alone whether the turn may create anything: only a
message the offline parser reads as a trade ("swap ...", "do it" after a quote) unlocks
``propose_trade``, and then only for the tokens that message (or the quote it confirms) named.
Text that arrives from anywhere else (token names, partner data, a model's output) never can.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from tradewind.assistant.cards import Action, Card
from tradewind.assistant.intents import ConfirmIntent, Intent, ProposeTradeIntent
from tradewind.assistant.toolbox import ToolResult, TurnContext

EngineName = Literal["offline", "model"]


@dataclass(frozen=True)
class EngineTurn:
    """One answered turn: the reply, what the client renders, and every tool call made for it."""

    reply: str
    engine: EngineName
    tool_results: Sequence[ToolResult] = ()
    model_round_trips: int = 0
    notices: Sequence[str] = field(default_factory=tuple)

    @property
    def cards(self) -> list[Card]:
        return [card for result in self.tool_results if result.ok for card in result.cards]

    @property
    def actions(self) -> list[Action]:
        seen: dict[tuple[str, str | None, str | None], Action] = {}
        for result in self.tool_results:
            for action in result.actions:
                seen.setdefault((action.type, action.path, action.message), action)
        return list(seen.values())

    def grounding_sources(self) -> list[Any]:
        """What the reply's figures may come from: each call's data, or its error when it failed."""
        return [r.data if r.ok else r.error for r in self.tool_results]


def guarded(context: TurnContext, intent: Intent) -> TurnContext:
    """``context`` allowed to write when the user's own words asked for a trade, limited to its tokens."""
    if not isinstance(intent, ProposeTradeIntent | ConfirmIntent):
        return context  # a quote alone commits to nothing; questions read only
    proposal = intent.proposal if isinstance(intent, ConfirmIntent) else intent
    return replace(context, may_write=True, trade_pair=(proposal.sell, proposal.buy))
