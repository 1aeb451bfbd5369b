"""The audit log on the local cloud's accounts table: idempotent appends, concurrent appends that never
fork the chain, and tampering done directly in DynamoDB caught by verification and by the API."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from localcloud import LocalCloud
from tests.support.sessions import bearer, register_and_login
from tradewind.audit.dynamodb import DynamoAuditRepository
from tradewind.audit.models import AuditEntry, AuditKind, Tampering
from tradewind.audit.service import AuditLog
from tradewind.aws.clients import client as aws_client
from tradewind.clock import utc_now
from tradewind.storage.accounts_table import bind_accounts_table

pytestmark = pytest.mark.integration

WRITERS = 20


@pytest.fixture(scope="module")
def table(local_cloud: LocalCloud, api_environment: dict[str, str]) -> str:
    """The local cloud's accounts table, bound (the API's environment names the emulator)."""
    name: str = local_cloud.deployment.outputs["AccountsTableName"]
    bind_accounts_table(name)
    return name


@pytest.fixture
def audit(table: str) -> AuditLog:
    return AuditLog(DynamoAuditRepository(), utc_now)


@pytest.fixture
def user_id() -> str:
    """A user of this test alone: each test writes its own chain."""
    return f"audit-{uuid.uuid4().hex}"


def _append(audit: AuditLog, user_id: str, event_id: str, **data: Any) -> AuditEntry:
    return audit.append(
        user_id, event_id, kind=AuditKind.QUOTE, subject="trade-1", actor="system:quote", data=data
    )


def _tamper(table: str, user_id: str, seq: int, attribute: str, value: str) -> None:
    """Change one attribute of a stored entry behind the service's back."""
    aws_client("dynamodb").update_item(
        TableName=table,
        Key={"pk": {"S": f"AUDIT#{user_id}"}, "sk": {"S": f"SEQ#{seq:012d}"}},
        UpdateExpression="SET #a = :v",
        ExpressionAttributeNames={"#a": attribute},
        ExpressionAttributeValues={":v": {"S": value}},
    )


def test_appends_are_stored_as_a_chain_with_its_head_and_event_claims(
    audit: AuditLog, user_id: str, table: str
) -> None:
    # Given three decisions appended
    appended = [_append(audit, user_id, f"event-{n}", amount=f"{n}.50") for n in range(1, 4)]
    # When the log is read back
    page = audit.entries(user_id)
    # Then it is the same three entries, linked, and it verifies
    assert page.items == appended
    assert [entry.prev_hash for entry in page.items[1:]] == [entry.hash for entry in page.items[:-1]]
    assert audit.verify(user_id).model_dump() == {
        "ok": True,
        "entries_checked": 3,
        "first_bad_seq": None,
        "reason": None,
        "detail": None,
    }
    # And the table holds one item per entry, the head and one claim per event
    items = aws_client("dynamodb").query(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"AUDIT#{user_id}"}},
        ConsistentRead=True,
    )["Items"]
    head = next(item for item in items if item["sk"]["S"] == "HEAD")
    assert (head["seq"]["N"], head["hash"]["S"]) == ("3", appended[-1].hash)
    assert sorted(item["sk"]["S"] for item in items) == [
        "EVENT#event-1",
        "EVENT#event-2",
        "EVENT#event-3",
        "HEAD",
        "SEQ#000000000001",
        "SEQ#000000000002",
        "SEQ#000000000003",
    ]


def test_concurrent_appends_for_one_user_never_fork_the_chain(audit: AuditLog, user_id: str) -> None:
    # Given twenty writers released at the same moment, each with its own event
    start = threading.Barrier(WRITERS)

    def write(n: int) -> AuditEntry:
        start.wait()
        return _append(audit, user_id, f"event-{n}")

    # When they all append to one user's log
    with ThreadPoolExecutor(WRITERS) as pool:
        written = list(pool.map(write, range(WRITERS)))
    # Then the chain holds sequence numbers 1..20, one per event, unbroken
    stored = audit.entries(user_id, limit=100).items
    assert [entry.seq for entry in stored] == list(range(1, WRITERS + 1))
    assert {entry.event_id for entry in stored} == {f"event-{n}" for n in range(WRITERS)}
    assert sorted(written, key=lambda entry: entry.seq) == stored
    assert audit.verify(user_id).ok


def test_a_retried_event_id_gives_one_entry_even_when_retries_race(audit: AuditLog, user_id: str) -> None:
    # Given one decision
    _append(audit, user_id, "before")
    # When five retries of the same event race each other
    with ThreadPoolExecutor(5) as pool:
        results = list(pool.map(lambda _: _append(audit, user_id, "quote-7", amount="1.25"), range(5)))
    # Then every retry returns the one entry recorded
    assert {entry.hash for entry in results} == {results[0].hash}
    assert [(entry.seq, entry.event_id) for entry in audit.entries(user_id).items] == [
        (1, "before"),
        (2, "quote-7"),
    ]


@pytest.mark.parametrize(
    ("attribute", "value"),
    [
        ("data", '{"amount":"9999"}'),
        ("kind", "bogus"),  # no longer even parses as an entry
        ("prev_hash", "f" * 64),
    ],
)
def test_an_entry_changed_in_dynamodb_is_detected(
    audit: AuditLog, user_id: str, table: str, attribute: str, value: str
) -> None:
    # Given a chain of three
    for n in range(3):
        _append(audit, user_id, f"event-{n}", amount=str(n))
    # When the second entry is changed directly in the table
    _tamper(table, user_id, 2, attribute, value)
    # Then verification names it
    result = audit.verify(user_id)
    assert (result.ok, result.first_bad_seq, result.reason) == (False, 2, Tampering.ALTERED)


def test_tampering_is_reported_by_the_api_to_its_owner_only(
    client: TestClient, audit: AuditLog, table: str
) -> None:
    # Given a user of the API with three decisions in their log, and another user
    owner = bearer(register_and_login(client, "audited@example.com"))
    other = bearer(register_and_login(client, "bystander@example.com"))
    owner_id = client.get("/v1/me", headers=owner).json()["id"]
    for n in range(3):
        _append(audit, owner_id, f"event-{n}", amount=str(n))
    assert client.get("/v1/audit/verify", headers=owner).json()["ok"] is True
    # When an entry's data is changed in DynamoDB
    _tamper(table, owner_id, 2, "data", '{"amount":"9999"}')
    # Then GET /v1/audit/verify reports the first bad entry and why
    response = client.get("/v1/audit/verify", headers=owner)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["ok"], body["first_bad_seq"], body["reason"]) == (False, 2, "altered")
    # And the listing shows the stored (tampered) entries to their owner only
    assert [entry["seq"] for entry in client.get("/v1/audit", headers=owner).json()["items"]] == [1, 2, 3]
    assert client.get("/v1/audit", headers=other).json() == {"items": [], "next": None}
