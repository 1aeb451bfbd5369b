"""Make the emulator's DynamoDB handle one request at a time, as its data structures require.

moto gap (5.2.5): the threaded server runs DynamoDB requests concurrently over plain dicts with no
lock. A condition check and the write it guards can interleave with another request's (two
"conditional" writes both succeed, which DynamoDB never allows for one item), and
``transact_write_items`` deep-copies whole tables while other threads write to them
("dictionary changed size during iteration", a 500). Serialising the DynamoDB handler restores
the guarantee the application relies on: conditional writes and transactions are atomic.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

from moto.dynamodb.responses import DynamoHandler

_lock = threading.RLock()
_original: dict[str, Any] = {}


def install() -> None:
    """Serialise every DynamoDB request through one lock; idempotent."""
    if _original:
        return
    original = DynamoHandler.call_action
    _original["call_action"] = original

    @functools.wraps(original)
    def call_action(self: DynamoHandler) -> Any:
        with _lock:
            return original(self)

    DynamoHandler.call_action = call_action  # type: ignore[method-assign]


def uninstall() -> None:
    """Put moto's own handler back; idempotent."""
    if _original:
        DynamoHandler.call_action = _original.pop("call_action")  # type: ignore[method-assign]
