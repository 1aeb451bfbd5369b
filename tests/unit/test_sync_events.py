"""The sync's messages agree with their schema and canonical samples in events/."""

from __future__ import annotations

import json

import jsonschema
import pytest

from tests.support.events import EVENTS_DIR, load_event
from tradewind.portfolio.sync import SyncRequest

SCHEMA = json.loads((EVENTS_DIR / "portfolio_sync/sync_request.schema.json").read_text())


def test_the_sample_batch_bodies_are_sync_requests_the_schema_accepts() -> None:
    for record in load_event("portfolio_sync/sqs_batch.json")["Records"]:
        jsonschema.validate(json.loads(record["body"]), SCHEMA)
        assert SyncRequest.model_validate_json(record["body"]).holder_kind == "wallet"


def test_what_the_planner_sends_is_what_the_schema_describes() -> None:
    request = SyncRequest(
        user_id="u1",
        chain="local-l2",
        address="0x976EA74026E726554dB657fA54763abd0C3a0aa9",
        holder_kind="vault",
        holder_id="v1",
    )
    jsonschema.validate(json.loads(request.model_dump_json()), SCHEMA)
    wrong = {**request.model_dump(), "holder_kind": "exchange"}
    with pytest.raises(jsonschema.ValidationError) as refused:
        jsonschema.validate(wrong, SCHEMA)
    assert refused.value.path[0] == "holder_kind"
