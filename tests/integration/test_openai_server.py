"""The local OpenAI stand-in, driven by the real ``openai`` client: scripted answers come back parsed,
requests the real API rejects are rejected, and what the client sent is recorded.

Here rather than in tests/unit because it opens a socket on 127.0.0.1.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam, ChatCompletionToolParam

from tests.support.openai_server import (
    Answer,
    Call,
    Fail,
    OpenAIServer,
    Reply,
    ToolCalls,
    openai_server,
)

pytestmark = pytest.mark.integration

API_KEY = "sk-test-key-1234"
MODEL = "gpt-test"
PRICE_TOOL: ChatCompletionToolParam = {
    "type": "function",
    "function": {
        "name": "get_price",
        "description": "The USD price of a token.",
        "parameters": {"type": "object", "properties": {"symbol": {"type": "string"}}},
    },
}
QUESTION: list[ChatCompletionMessageParam] = [
    {"role": "system", "content": "You are a trading assistant."},
    {"role": "user", "content": "What is WETH worth?"},
]


@pytest.fixture
def server() -> Iterator[OpenAIServer]:
    with openai_server(API_KEY) as running:
        yield running


@pytest.fixture
def client(server: OpenAIServer) -> Iterator[openai.OpenAI]:
    """The real client; no retries, so each call is exactly one request."""
    with openai.OpenAI(base_url=server.base_url, api_key=API_KEY, max_retries=0, timeout=5) as real:
        yield real


def _asked_price(call_id: str) -> list[ChatCompletionMessageParam]:
    """The question, the model's call of get_price and the tool's result, as the client sends them back."""
    return [
        *QUESTION,
        {
            "role": "assistant",
            "tool_calls": [
                {
                    "id": call_id,
                    "type": "function",
                    "function": {"name": "get_price", "arguments": '{"symbol": "WETH"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": call_id, "content": "3120.5"},
    ]


def test_a_text_reply_is_parsed_as_the_message_content(server: OpenAIServer, client: openai.OpenAI) -> None:
    # Given a script of one text reply
    server.script(Reply("WETH trades near 3100 USD."))
    # When the client asks
    completion = client.chat.completions.create(model=MODEL, messages=QUESTION)
    # Then the reply is the first choice's content, and the turn stopped
    choice = completion.choices[0]
    assert choice.message.content == "WETH trades near 3100 USD."
    assert choice.message.role == "assistant"
    assert choice.message.tool_calls is None
    assert choice.finish_reason == "stop"
    assert completion.id.startswith("chatcmpl-")
    assert completion.object == "chat.completion"
    assert completion.model == MODEL
    # And usage counts words: 5 + 4 in the prompt, 5 in the reply
    assert completion.usage is not None
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (9, 5)
    assert completion.usage.total_tokens == 14


def test_a_tool_call_turn_is_parsed_as_tool_calls(server: OpenAIServer, client: openai.OpenAI) -> None:
    # Given a script of one turn calling get_price, with arguments given as a dict
    server.script(ToolCalls([Call("get_price", {"symbol": "WETH"})]))
    # When the client asks with the tool on offer
    completion = client.chat.completions.create(model=MODEL, messages=QUESTION, tools=[PRICE_TOOL])
    # Then the call comes back with generated id and JSON-text arguments, and the turn asks for tools
    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    assert choice.message.tool_calls is not None
    [call] = choice.message.tool_calls
    assert call.type == "function"
    assert call.id == "call_1"
    assert call.function.name == "get_price"
    assert json.loads(call.function.arguments) == {"symbol": "WETH"}


def test_call_ids_are_numbered_across_turns_unless_given(server: OpenAIServer, client: openai.OpenAI) -> None:
    server.script(
        ToolCalls([Call("get_price", {"symbol": "WETH"}), Call("get_price", {"symbol": "DAI"})]),
        ToolCalls([Call("get_price", {"symbol": "LINK"}), Call("get_price", id="call_mine")]),
    )
    first = client.chat.completions.create(model=MODEL, messages=QUESTION, tools=[PRICE_TOOL])
    second = client.chat.completions.create(model=MODEL, messages=QUESTION, tools=[PRICE_TOOL])
    ids = [call.id for turn in (first, second) for call in turn.choices[0].message.tool_calls or []]
    assert ids == ["call_1", "call_2", "call_3", "call_mine"]


def test_malformed_arguments_are_sent_as_they_are(server: OpenAIServer, client: openai.OpenAI) -> None:
    server.script(ToolCalls([Call("get_price", '{"symbol": "WE')]))
    completion = client.chat.completions.create(model=MODEL, messages=QUESTION, tools=[PRICE_TOOL])
    [call] = completion.choices[0].message.tool_calls or []
    assert call.type == "function"
    assert call.function.arguments == '{"symbol": "WE'


def test_a_responder_answers_from_the_tool_result_it_is_fed(
    server: OpenAIServer, client: openai.OpenAI
) -> None:
    # Given a script that calls get_price, then answers from whatever the tool returned
    def from_tool_result(request: dict[str, Any]) -> Answer:
        result = request["messages"][-1]
        return Reply(f"WETH is {result['content']} USD.")

    server.script(ToolCalls([Call("get_price", {"symbol": "WETH"})]), from_tool_result)
    # When the client asks, then feeds the tool's result back
    first = client.chat.completions.create(model=MODEL, messages=QUESTION, tools=[PRICE_TOOL])
    tool_calls = first.choices[0].message.tool_calls
    assert tool_calls is not None
    second = client.chat.completions.create(
        model=MODEL, messages=_asked_price(tool_calls[0].id), tools=[PRICE_TOOL]
    )
    # Then the answer reflects the result, after two round trips that used the whole script
    assert second.choices[0].message.content == "WETH is 3120.5 USD."
    assert len(server.requests) == 2
    assert server.pending_steps == 0
    assert server.requests[1].body["messages"][-1] == {
        "role": "tool",
        "tool_call_id": "call_1",
        "content": "3120.5",
    }


def test_a_tool_result_for_an_unknown_call_is_rejected(server: OpenAIServer, client: openai.OpenAI) -> None:
    # Given a script with an answer left
    server.script(Reply("unused"))
    messages = _asked_price("call_1")
    messages[-1] = {"role": "tool", "tool_call_id": "call_other", "content": "3120.5"}
    # When a tool message answers a call the assistant never made
    with pytest.raises(openai.BadRequestError) as raised:
        client.chat.completions.create(model=MODEL, messages=messages)
    # Then the real API's error comes back, and the script is left as it was
    assert raised.value.param == "messages[3].role"
    assert "must be a response to a preceding message with 'tool_calls'" in raised.value.message
    assert server.pending_steps == 1


def test_streaming_is_rejected(server: OpenAIServer, client: openai.OpenAI) -> None:
    server.script(Reply("unused"))
    with pytest.raises(openai.BadRequestError) as raised:
        client.chat.completions.create(model=MODEL, messages=QUESTION, stream=True)
    assert raised.value.param == "stream"


def test_a_wrong_key_is_rejected(server: OpenAIServer) -> None:
    server.script(Reply("unused"))
    with (
        openai.OpenAI(base_url=server.base_url, api_key="sk-wrong-key-0000", max_retries=0) as wrong,
        pytest.raises(openai.AuthenticationError) as raised,
    ):
        wrong.chat.completions.create(model=MODEL, messages=QUESTION)
    assert raised.value.code == "invalid_api_key"
    assert raised.value.type == "invalid_request_error"
    assert server.pending_steps == 1


@pytest.mark.parametrize(
    ("status", "error", "error_type"),
    [
        (500, openai.InternalServerError, "server_error"),
        (503, openai.InternalServerError, "server_error"),
        (429, openai.RateLimitError, "rate_limit_exceeded"),
    ],
)
def test_a_scripted_failure_raises_the_client_error_for_its_status(
    server: OpenAIServer,
    client: openai.OpenAI,
    status: int,
    error: type[openai.APIStatusError],
    error_type: str,
) -> None:
    server.script(Fail(status, "scripted failure", code="scripted"), Reply("after the failure"))
    with pytest.raises(error) as raised:
        client.chat.completions.create(model=MODEL, messages=QUESTION)
    assert raised.value.status_code == status
    assert raised.value.body == {
        "message": "scripted failure",
        "type": error_type,
        "param": None,
        "code": "scripted",
    }
    # And the next step still answers the next request
    assert client.chat.completions.create(model=MODEL, messages=QUESTION).choices[0].message.content == (
        "after the failure"
    )


def test_an_exhausted_script_is_a_server_error(server: OpenAIServer, client: openai.OpenAI) -> None:
    server.script(Reply("only answer"))
    client.chat.completions.create(model=MODEL, messages=QUESTION)
    with pytest.raises(openai.InternalServerError) as raised:
        client.chat.completions.create(model=MODEL, messages=QUESTION)
    assert raised.value.code == "script_exhausted"
    assert "the script is exhausted" in raised.value.message


def test_a_failing_responder_is_reported_as_a_server_error(
    server: OpenAIServer, client: openai.OpenAI
) -> None:
    def broken(request: dict[str, Any]) -> Answer:
        raise KeyError("tool_results")

    server.script(broken)
    with pytest.raises(openai.InternalServerError) as raised:
        client.chat.completions.create(model=MODEL, messages=QUESTION)
    assert "the responder raised KeyError('tool_results')" in raised.value.message


def test_requests_are_recorded_as_sent(server: OpenAIServer, client: openai.OpenAI) -> None:
    # Given two answers
    server.script(Reply("first"), Reply("second"))
    # When the client asks twice, the second time with the tool and a temperature
    client.chat.completions.create(model=MODEL, messages=QUESTION)
    client.chat.completions.create(model=MODEL, messages=QUESTION, tools=[PRICE_TOOL], temperature=0)
    # Then both requests are recorded in order, with the key and the body the client sent
    first, second = server.requests
    assert (first.method, first.path) == ("POST", "/v1/chat/completions")
    assert first.headers["authorization"] == f"Bearer {API_KEY}"
    assert first.body == {"model": MODEL, "messages": QUESTION}
    assert second.body == {"model": MODEL, "messages": QUESTION, "tools": [PRICE_TOOL], "temperature": 0}


def test_reset_forgets_script_requests_and_call_numbers(server: OpenAIServer, client: openai.OpenAI) -> None:
    server.script(ToolCalls([Call("get_price")]), Reply("left over"))
    client.chat.completions.create(model=MODEL, messages=QUESTION, tools=[PRICE_TOOL])
    server.reset()
    assert server.requests == []
    assert server.pending_steps == 0
    server.script(ToolCalls([Call("get_price")]))
    completion = client.chat.completions.create(model=MODEL, messages=QUESTION, tools=[PRICE_TOOL])
    assert [call.id for call in completion.choices[0].message.tool_calls or []] == ["call_1"]


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"messages": QUESTION}, None),
        ({"model": MODEL}, "messages"),
        ({"model": MODEL, "messages": []}, "messages"),
        ({"model": MODEL, "messages": [{"role": "robot", "content": "hi"}]}, "messages[0].role"),
        ({"model": MODEL, "messages": [{"role": "user"}]}, "messages[0].content"),
        (
            {"model": MODEL, "messages": [*QUESTION, {"role": "tool", "content": "1"}]},
            "messages[2].tool_call_id",
        ),
        # A tool call left unanswered before the next user message
        ({"model": MODEL, "messages": [*_asked_price("call_1")[:3], QUESTION[1]]}, "messages[3]"),
        # A tool result that does not follow the assistant message that made the call
        (
            {"model": MODEL, "messages": [*_asked_price("call_1"), QUESTION[1], _asked_price("call_1")[3]]},
            "messages[5].role",
        ),
        # Arguments fed back as an object instead of JSON text
        (
            {
                "model": MODEL,
                "messages": [
                    {
                        "role": "assistant",
                        "tool_calls": [
                            {"id": "c", "type": "function", "function": {"name": "f", "arguments": {}}}
                        ],
                    }
                ],
            },
            "messages[0].tool_calls[0]",
        ),
        ({"model": MODEL, "messages": QUESTION, "tools": [{"type": "function"}]}, "tools[0].function"),
        (
            {
                "model": MODEL,
                "messages": QUESTION,
                "tools": [{"type": "function", "function": {"name": "a b"}}],
            },
            "tools[0].function.name",
        ),
        (
            {"model": MODEL, "messages": QUESTION, "tools": [{"type": "code", "function": {"name": "f"}}]},
            "tools[0].type",
        ),
    ],
)
def test_requests_the_real_api_rejects_are_rejected(
    server: OpenAIServer, body: dict[str, Any], param: str | None
) -> None:
    # Given an answer the request must not consume
    server.script(Reply("unused"))
    # When a raw request the real API refuses is sent
    response = httpx.post(
        f"{server.base_url}/chat/completions", json=body, headers={"Authorization": f"Bearer {API_KEY}"}
    )
    # Then it is a 400 in the OpenAI error shape
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param
    assert server.pending_steps == 1
