"""A local server speaking OpenAI's ``POST /v1/chat/completions`` protocol, with scripted answers.

A ``JsonServer`` (127.0.0.1, a free port, bounded). Each request is recorded,
checked the way the real API checks it (key, required fields, roles, tool-call pairing, tool
definitions), and, when valid, answered with the next step of a script: a text reply, a tool-call
turn, an HTTP error, or a function of the request that returns one of those. Non-streaming only.

Usage is reported in words, not tokens: a whitespace split of the texts and tool-call arguments,
enough for tests that check usage is read and adds up, not for checking a tokenizer.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeAlias
from urllib.parse import urlsplit

from tests.support.json_server import JsonServer, Request

API_PREFIX = "/v1"
CHAT_COMPLETIONS_PATH = f"{API_PREFIX}/chat/completions"
# The real API also accepts the deprecated "function" role; this project never sends it.
ROLES = ("system", "developer", "user", "assistant", "tool")
TOOL_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")


@dataclass(frozen=True)
class Reply:
    """The model answers with text and stops (``finish_reason: stop``)."""

    content: str


@dataclass(frozen=True)
class Call:
    """One function call the model makes.

    ``arguments`` goes on the wire as JSON text: a mapping is encoded, a string is sent as it is,
    so a test can send malformed JSON. Without an ``id`` the server numbers it ``call_<n>``.
    """

    name: str
    arguments: str | Mapping[str, Any] = "{}"
    id: str | None = None


@dataclass(frozen=True)
class ToolCalls:
    """The model asks for one or more function calls (``finish_reason: tool_calls``)."""

    calls: Sequence[Call]

    def __post_init__(self) -> None:
        if not self.calls:
            raise ValueError("a tool-call turn needs at least one Call")


@dataclass(frozen=True)
class Fail:
    """The API answers with an HTTP error; ``type`` defaults to what the real API uses for the status."""

    status: int
    message: str
    type: str | None = None
    code: str | None = None


Answer: TypeAlias = Reply | ToolCalls | Fail
# Given the parsed request body, so a test can answer depending on the tool results it sees.
Responder: TypeAlias = Callable[[dict[str, Any]], Answer]
Step: TypeAlias = Answer | Responder


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server saw it; ``body`` is the parsed JSON, or None when it was not JSON."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any


class _Rejected(Exception):
    """A request answered with an error in the OpenAI error shape."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = _error_body(message, type, param, code)


class OpenAIServer(JsonServer):
    """Scripted OpenAI chat completions; requests need ``Authorization: Bearer <api_key>``."""

    prefix = API_PREFIX

    def __init__(self, api_key: str, *steps: Step) -> None:
        super().__init__("openai")
        self.too_large = _error_body("Request body too large.", "invalid_request_error", None, None)
        self.api_key = api_key
        self._lock = threading.Lock()
        self._script: deque[Step] = deque(steps)
        self._requests: list[RecordedRequest] = []
        self._calls_made = 0

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, oldest first, rejected ones included."""
        with self._lock:
            return list(self._requests)

    @property
    def pending_steps(self) -> int:
        """How many scripted steps no request has consumed yet."""
        with self._lock:
            return len(self._script)

    def script(self, *steps: Step) -> None:
        """Replace the remaining script; each valid request consumes the next step."""
        with self._lock:
            self._script = deque(steps)

    def reset(self) -> None:
        """Forget the script, the recorded requests and the call numbering."""
        with self._lock:
            self._script.clear()
            self._requests.clear()
            self._calls_made = 0

    def answer(self, request: Request) -> tuple[int, Any]:
        """The status and JSON body the API would send for this request."""
        method, path, headers = request.method, urlsplit(request.target).path, request.headers
        try:
            body: Any = json.loads(request.body)
        except ValueError:
            body = None
        with self._lock:
            self._requests.append(RecordedRequest(method, path, headers, body))
        try:
            self._authorize(headers.get("authorization"))
            if (method, path) != ("POST", CHAT_COMPLETIONS_PATH):
                raise _Rejected(404, f"Invalid URL ({method} {path})")
            completion_request = _validated(body)
            answer = self._next_answer(completion_request)
        except _Rejected as rejected:
            return rejected.status, rejected.body
        if isinstance(answer, Fail):
            error_type = answer.type or _error_type_for(answer.status)
            return answer.status, _error_body(answer.message, error_type, None, answer.code)
        return 200, self._completion(completion_request, answer)

    def _authorize(self, authorization: str | None) -> None:
        if not authorization or not authorization.startswith("Bearer "):
            raise _Rejected(
                401,
                "You didn't provide an API key. You need to provide your API key in an Authorization "
                "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            )
        given = authorization.removeprefix("Bearer ")
        if given != self.api_key:
            raise _Rejected(401, f"Incorrect API key provided: {_masked(given)}.", code="invalid_api_key")

    def _next_answer(self, request: dict[str, Any]) -> Answer:
        with self._lock:
            step = self._script.popleft() if self._script else None
        if step is None:
            raise _Rejected(
                500,
                "openai test server: the script is exhausted, no answer is left for this request "
                f"({len(request['messages'])} messages); give script() more steps",
                type="server_error",
                code="script_exhausted",
            )
        if isinstance(step, Reply | ToolCalls | Fail):
            return step
        # Called outside the lock so that a responder may read ``requests``. Its failure is a test
        # bug: answer 500 with it rather than drop the connection, so the test shows the cause.
        try:
            answer = step(request)
        except Exception as error:
            raise _Rejected(
                500, f"openai test server: the responder raised {error!r}", type="server_error"
            ) from error
        if not isinstance(answer, Reply | ToolCalls | Fail):
            raise _Rejected(
                500, f"openai test server: the responder returned {answer!r}", type="server_error"
            )
        return answer

    def _completion(self, request: dict[str, Any], answer: Reply | ToolCalls) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": None, "refusal": None}
        if isinstance(answer, Reply):
            message["content"] = answer.content
            finish_reason = "stop"
            completion_words = _words(answer.content)
        else:
            message["tool_calls"] = [self._tool_call(call) for call in answer.calls]
            finish_reason = "tool_calls"
            completion_words = sum(_words(call["function"]["arguments"]) for call in message["tool_calls"])
        prompt_words = sum(_message_words(entry) for entry in request["messages"])
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": request["model"],
            "choices": [{"index": 0, "message": message, "finish_reason": finish_reason, "logprobs": None}],
            "usage": {
                "prompt_tokens": prompt_words,
                "completion_tokens": completion_words,
                "total_tokens": prompt_words + completion_words,
            },
        }

    def _tool_call(self, call: Call) -> dict[str, Any]:
        with self._lock:
            self._calls_made += 1
            number = self._calls_made
        arguments = call.arguments if isinstance(call.arguments, str) else json.dumps(call.arguments)
        return {
            "id": call.id or f"call_{number}",
            "type": "function",
            "function": {"name": call.name, "arguments": arguments},
        }


def _validated(body: Any) -> dict[str, Any]:
    """The request body, if the real API would accept it."""
    if not isinstance(body, dict):
        raise _Rejected(400, "We could not parse the JSON body of your request as a JSON object.")
    if not isinstance(body.get("model"), str) or not body["model"]:
        raise _Rejected(400, "you must provide a model parameter")
    messages = body.get("messages")
    if messages is None:
        raise _missing("messages")
    if not isinstance(messages, list) or not messages:
        raise _invalid("messages", "expected a non-empty array")
    if body.get("stream"):
        raise _Rejected(
            400,
            "openai test server: streaming is not supported; send 'stream': false",
            param="stream",
            code="unsupported_value",
        )
    _check_messages(messages)
    _check_tools(body.get("tools"))
    return body


def _check_messages(messages: list[Any]) -> None:
    """Roles and contents, and that tool calls and tool results pair up as the real API demands."""
    # The ids of the latest assistant tool calls: the tool messages right after it may answer them,
    # and the next message of any other role must find them all answered.
    answerable: set[str] = set()
    unanswered: set[str] = set()
    for index, message in enumerate(messages):
        where = f"messages[{index}]"
        if not isinstance(message, dict):
            raise _invalid(where, "expected an object")
        role = message.get("role")
        if role not in ROLES:
            raise _Rejected(
                400,
                f"Invalid value: {role!r}. Supported values are: {', '.join(map(repr, ROLES))}.",
                param=f"{where}.role",
                code="invalid_value",
            )
        if role == "tool":
            _check_tool_result(message, where, answerable)
            unanswered.discard(message["tool_call_id"])
            continue
        _require_answered(unanswered, where)
        calls = _tool_call_ids(message, where) if role == "assistant" else set()
        _check_content(message, where, optional=bool(calls))
        answerable, unanswered = calls, set(calls)
    _require_answered(unanswered, f"messages[{len(messages)}]")


def _check_tool_result(message: dict[str, Any], where: str, answerable: set[str]) -> None:
    tool_call_id = message.get("tool_call_id")
    if not isinstance(tool_call_id, str):
        raise _missing(f"{where}.tool_call_id")
    if tool_call_id not in answerable:
        raise _Rejected(
            400,
            "Invalid parameter: messages with role 'tool' must be a response to a preceding message "
            f"with 'tool_calls' (no call has id {tool_call_id!r}).",
            param=f"{where}.role",
        )
    _check_content(message, where, optional=False)


def _require_answered(unanswered: set[str], where: str) -> None:
    if unanswered:
        raise _Rejected(
            400,
            "An assistant message with 'tool_calls' must be followed by tool messages responding to each "
            f"'tool_call_id'. The following tool_call_ids did not have response messages: "
            f"{', '.join(sorted(unanswered))}",
            param=where,
        )


def _tool_call_ids(message: dict[str, Any], where: str) -> set[str]:
    calls = message.get("tool_calls")
    if calls is None:
        return set()
    if not isinstance(calls, list):
        raise _invalid(f"{where}.tool_calls", "expected an array")
    ids: set[str] = set()
    for index, call in enumerate(calls):
        at = f"{where}.tool_calls[{index}]"
        function = call.get("function") if isinstance(call, dict) else None
        well_formed = (
            isinstance(call, dict)
            and isinstance(call.get("id"), str)
            and call.get("type") == "function"
            and isinstance(function, dict)
            and isinstance(function.get("name"), str)
            # Arguments go back as the JSON text the model produced, never as an object.
            and isinstance(function.get("arguments"), str)
        )
        if not well_formed:
            raise _invalid(
                at, "expected {'id', 'type': 'function', 'function': {'name', 'arguments': string}}"
            )
        ids.add(call["id"])
    return ids


def _check_content(message: dict[str, Any], where: str, *, optional: bool) -> None:
    content = message.get("content")
    if content is None and optional:
        return
    if content is None:
        raise _missing(f"{where}.content")
    if not isinstance(content, str | list):
        raise _invalid(f"{where}.content", "expected a string or an array")


def _check_tools(tools: Any) -> None:
    if tools is None:
        return
    if not isinstance(tools, list):
        raise _invalid("tools", "expected an array")
    for index, tool in enumerate(tools):
        where = f"tools[{index}]"
        if not isinstance(tool, dict) or tool.get("type") != "function":
            raise _invalid(f"{where}.type", "expected 'function'")
        function = tool.get("function")
        if not isinstance(function, dict):
            raise _missing(f"{where}.function")
        name = function.get("name")
        if not isinstance(name, str) or not TOOL_NAME.fullmatch(name):
            raise _Rejected(
                400,
                f"Invalid '{where}.function.name': string does not match pattern '^[a-zA-Z0-9_-]{{1,64}}$'.",
                param=f"{where}.function.name",
                code="invalid_value",
            )
        if not isinstance(function.get("description", ""), str):
            raise _invalid(f"{where}.function.description", "expected a string")
        # The real API allows leaving out ``parameters`` (a function without arguments).
        if not isinstance(function.get("parameters", {}), dict):
            raise _invalid(f"{where}.function.parameters", "expected a JSON schema object")


def _missing(param: str) -> _Rejected:
    return _Rejected(
        400, f"Missing required parameter: '{param}'.", param=param, code="missing_required_parameter"
    )


def _invalid(param: str, expectation: str) -> _Rejected:
    return _Rejected(400, f"Invalid '{param}': {expectation}.", param=param)


def _error_body(message: str, error_type: str, param: str | None, code: str | None) -> dict[str, Any]:
    return {"error": {"message": message, "type": error_type, "param": param, "code": code}}


def _error_type_for(status: int) -> str:
    if status == 429:
        return "rate_limit_exceeded"
    return "server_error" if status >= 500 else "invalid_request_error"


def _masked(key: str) -> str:
    return f"{key[:3]}***{key[-4:]}" if len(key) > 8 else "***"


def _words(text: str) -> int:
    return len(text.split())


def _message_words(message: dict[str, Any]) -> int:
    content = message.get("content")
    if isinstance(content, str):
        words = _words(content)
    else:
        parts = content if isinstance(content, list) else []
        words = sum(_words(part["text"]) for part in parts if isinstance(part, dict) and "text" in part)
    # Only an assistant's tool calls were checked to be well formed.
    calls = (message.get("tool_calls") or []) if message.get("role") == "assistant" else []
    return words + sum(_words(call["function"]["arguments"]) for call in calls)


@contextmanager
def openai_server(api_key: str, *steps: Step) -> Iterator[OpenAIServer]:
    """A running server with this script, stopped on exit."""
    server = OpenAIServer(api_key, *steps)
    server.start()
    try:
        yield server
    finally:
        server.stop()
