"""The tools both engines call: each a name, a description, a pydantic arguments model and a function.

``Toolbox.call`` is the one door into them. It never raises for what a caller (a model, above all)
can get wrong: an unknown tool, arguments that are not JSON or break the schema, a domain error
(an unknown symbol, no vault) all come back as a failed ``ToolResult`` whose ``error`` the model
reads and can correct. A tool marked ``writes`` (proposing a trade) is only callable when the
turn allows it, which only the user's own words can do (see ``assistant.guard``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from tradewind.assistant.cards import Action, Card
from tradewind.errors import TradewindError

Args = TypeVar("Args", bound=BaseModel)


class ToolArguments(BaseModel):
    """Base of every tool's arguments: extra keys are an error the model is told about, not ignored."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class NoArguments(ToolArguments):
    """For tools that take nothing."""


@dataclass(frozen=True)
class TurnContext:
    """Who the turn is for, and whether it may create anything (a trade proposal)."""

    user_id: str
    conversation_id: str
    turn_index: int
    may_write: bool = False
    # What the user's own message asked to sell and buy: a proposal must be exactly that trade.
    trade_pair: tuple[str, str] | None = None


@dataclass(frozen=True)
class ToolOutput:
    """A tool's answer: ``data`` is what the model reads (JSON-able); cards and actions go to the client."""

    data: dict[str, Any]
    cards: Sequence[Card] = ()
    actions: Sequence[Action] = ()


@dataclass(frozen=True)
class Tool(Generic[Args]):
    name: str
    description: str
    arguments: type[Args]
    run: Callable[[TurnContext, Args], ToolOutput]
    writes: bool = False

    def schema(self) -> dict[str, Any]:
        """The chat-completions ``tools`` entry."""
        parameters = self.arguments.model_json_schema()
        parameters.pop("title", None)
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": parameters},
        }


@dataclass(frozen=True)
class ToolResult:
    """One call as it happened: what was asked, what came back (or why not), how long it took."""

    name: str
    arguments: dict[str, Any]
    ok: bool
    data: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    cards: Sequence[Card] = ()
    actions: Sequence[Action] = ()
    duration_ms: float = 0.0

    def for_model(self) -> str:
        """The tool message's content: results are data, so they go as JSON, never as instructions."""
        body = {"ok": True, "data": self.data} if self.ok else {"ok": False, "error": self.error}
        return json.dumps(body, default=str, separators=(",", ":"))


class Toolbox:
    """The tools of one deployment, by name."""

    def __init__(self, tools: Iterable[Tool[Any]]) -> None:
        self._tools = {tool.name: tool for tool in tools}

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._tools)

    def schemas(self, context: TurnContext) -> list[dict[str, Any]]:
        """The tools a model may call in this turn; writing tools only when the user asked for a trade."""
        return [t.schema() for t in self._tools.values() if context.may_write or not t.writes]

    def call(self, context: TurnContext, name: str, arguments: str | dict[str, Any]) -> ToolResult:
        """Run one call; every failure is a result with the reason, so a model can correct itself."""
        started = time.perf_counter()
        raw: dict[str, Any] = {}
        try:
            raw = _decode(arguments)
            tool = self._tools.get(name)
            if tool is None:
                raise _Refused(f"there is no tool named {name!r}; the tools are {', '.join(self._tools)}")
            if tool.writes and not context.may_write:
                raise _Refused(f"{name} is not allowed in this turn: {_WRITE_RULE}")
            output = tool.run(context, tool.arguments.model_validate(raw))
        except ValidationError as e:
            return self._failed(name, raw, _explain(e), started)
        except (_Refused, TradewindError) as e:
            return self._failed(name, raw, str(e), started)
        return ToolResult(
            name=name,
            arguments=raw,
            ok=True,
            data=output.data,
            cards=tuple(output.cards),
            actions=tuple(output.actions),
            duration_ms=_ms_since(started),
        )

    @staticmethod
    def _failed(name: str, raw: dict[str, Any], error: str, started: float) -> ToolResult:
        return ToolResult(name=name, arguments=raw, ok=False, error=error, duration_ms=_ms_since(started))


_WRITE_RULE = "only the user's own request for a trade, from a caller with the trade scope, allows it"


class _Refused(Exception):
    """A call the toolbox will not run; its text goes back to the caller."""


def _decode(arguments: str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(arguments, dict):
        return arguments
    try:
        decoded = json.loads(arguments or "{}")
    except json.JSONDecodeError as e:
        raise _Refused(f"the arguments are not valid JSON: {e.msg} at position {e.pos}") from e
    if not isinstance(decoded, dict):
        raise _Refused("the arguments must be a JSON object")
    return decoded


def _explain(error: ValidationError) -> str:
    problems = [f"{'.'.join(str(p) for p in e['loc']) or 'arguments'}: {e['msg']}" for e in error.errors()]
    return "invalid arguments: " + "; ".join(problems)


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
