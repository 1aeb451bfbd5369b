"""Loads the canonical sample events in events/ (one helper, as Powertools does for its tests)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

EVENTS_DIR = Path(__file__).resolve().parents[2] / "events"


def load_event(relative_path: str, **overrides: Any) -> dict[str, Any]:
    """The sample at ``events/<relative_path>``, with top-level keys replaced by ``overrides``."""
    event: dict[str, Any] = json.loads((EVENTS_DIR / relative_path).read_text())
    event.update(overrides)
    return event


def api_gateway_request(
    method: str, path: str, body: dict[str, Any] | None = None, **headers: str
) -> dict[str, Any]:
    """A REST API proxy event for ``method path`` built on the canonical GET /health sample."""
    event = load_event("apigateway/get_health.json")
    merged_headers = {**event["headers"], "Content-Type": "application/json", **headers}
    event.update(
        httpMethod=method,
        path=path,
        pathParameters={"proxy": path.lstrip("/")},
        headers=merged_headers,
        multiValueHeaders={name: [value] for name, value in merged_headers.items()},
        body=json.dumps(body) if body is not None else None,
        isBase64Encoded=False,
    )
    event["requestContext"] = {**event["requestContext"], "httpMethod": method, "path": f"/local{path}"}
    return event
