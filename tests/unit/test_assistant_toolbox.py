"""The toolbox: the one door to the tools, which turns every caller mistake into a result to read."""

from __future__ import annotations

import json

from pydantic import Field

from tradewind.assistant.toolbox import Tool, ToolArguments, Toolbox, ToolOutput, TurnContext
from tradewind.errors import NotFound

READER = TurnContext(user_id="u1", conversation_id="c1", turn_index=0)
WRITER = TurnContext(user_id="u1", conversation_id="c1", turn_index=0, may_write=True)


class EchoArgs(ToolArguments):
    symbol: str = Field(min_length=1)
    times: int = Field(default=1, ge=1, le=3)


def _echo(context: TurnContext, args: EchoArgs) -> ToolOutput:
    if args.symbol == "NOPE":
        raise NotFound("no source prices NOPE")
    return ToolOutput(data={"user": context.user_id, "echo": [args.symbol] * args.times})


def _propose(_context: TurnContext, _args: EchoArgs) -> ToolOutput:
    return ToolOutput(data={"proposed": True})


TOOLBOX = Toolbox(
    [Tool("echo", "Echoes.", EchoArgs, _echo), Tool("propose", "Writes.", EchoArgs, _propose, writes=True)]
)


def test_a_call_runs_with_validated_arguments_given_as_json_text_or_object() -> None:
    for arguments in ('{"symbol": "ETH", "times": 2}', {"symbol": "ETH", "times": 2}):
        result = TOOLBOX.call(READER, "echo", arguments)
        assert (result.ok, result.data) == (True, {"user": "u1", "echo": ["ETH", "ETH"]})
        assert result.duration_ms >= 0


def test_every_mistake_comes_back_as_a_failed_result_saying_why() -> None:
    cases = {
        ("transfer", "{}"): "there is no tool named 'transfer'; the tools are echo, propose",
        ("echo", '{"symbol": [ETH'): "the arguments are not valid JSON",
        ("echo", "[1, 2]"): "the arguments must be a JSON object",
        ("echo", '{"symbol": ""}'): "invalid arguments: symbol:",
        (
            "echo",
            '{"symbol": "ETH", "to": "0xdead"}',
        ): "invalid arguments: to: Extra inputs are not permitted",
        ("echo", '{"symbol": "NOPE"}'): "no source prices NOPE",
    }
    for (name, arguments), error in cases.items():
        result = TOOLBOX.call(READER, name, arguments)
        assert not result.ok
        assert (result.error or "").startswith(error), result.error


def test_a_writing_tool_is_neither_offered_nor_run_unless_the_turn_may_write() -> None:
    assert [s["function"]["name"] for s in TOOLBOX.schemas(READER)] == ["echo"]
    refused = TOOLBOX.call(READER, "propose", {"symbol": "ETH"})
    assert not refused.ok
    assert "not allowed in this turn" in (refused.error or "")
    assert [s["function"]["name"] for s in TOOLBOX.schemas(WRITER)] == ["echo", "propose"]
    assert TOOLBOX.call(WRITER, "propose", {"symbol": "ETH"}).ok


def test_schemas_are_chat_completion_tools_and_results_go_back_as_json() -> None:
    [schema] = TOOLBOX.schemas(READER)
    assert schema["type"] == "function"
    assert schema["function"]["parameters"]["required"] == ["symbol"]
    assert schema["function"]["parameters"]["additionalProperties"] is False
    ok = json.loads(TOOLBOX.call(READER, "echo", {"symbol": "ETH"}).for_model())
    failed = json.loads(TOOLBOX.call(READER, "nope", {}).for_model())
    assert ok == {"ok": True, "data": {"user": "u1", "echo": ["ETH"]}}
    assert failed["ok"] is False
    assert "no tool named" in failed["error"]
