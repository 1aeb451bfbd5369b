"""The audit trail's hash chain (canonical hashing, tamper detection) and its service, in memory."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from decimal import Decimal

import pytest

from tests.unit.memory import FakeClock, InMemoryAuditRepository
from tradewind.audit.chain import canonical_json, entry_hash, seal, verify
from tradewind.audit.models import GENESIS_HASH, AuditEntry, AuditKind, ChainHead, Decision, Tampering
from tradewind.audit.service import AuditLog
from tradewind.errors import Conflict, InvalidInput

USER = "user-1"


def _log(repository: InMemoryAuditRepository | None = None, **options: int) -> AuditLog:
    return AuditLog(repository or InMemoryAuditRepository(), FakeClock(), sleep=lambda _: None, **options)


def _append(log: AuditLog, event_id: str, kind: AuditKind = AuditKind.QUOTE, **data: object) -> AuditEntry:
    return log.append(USER, event_id, kind=kind, subject="trade-1", actor="system:quote", data=data)


def _chain(length: int) -> tuple[list[AuditEntry], ChainHead]:
    repository = InMemoryAuditRepository()
    log = _log(repository)
    for n in range(1, length + 1):
        _append(log, f"event-{n}", amount=Decimal(n))
    head = repository.head(USER)
    assert head is not None
    return repository.entries(USER), head


def test_canonical_json_sorts_keys_drops_whitespace_and_writes_decimals_as_strings() -> None:
    # Given the same object built in two key orders, with decimals
    one = {"b": Decimal("1.50"), "a": {"y": [1, True, None], "x": "é"}}
    two = {"a": {"x": "é", "y": [1, True, None]}, "b": Decimal("1.50")}
    # When both are written canonically
    # Then they are the same text, sorted, compact, UTF-8, the decimal as its exact string
    assert canonical_json(one) == canonical_json(two) == '{"a":{"x":"é","y":[1,true,null]},"b":"1.50"}'


def test_an_entry_hash_is_sha256_of_prev_hash_and_the_canonical_body() -> None:
    # Given a first entry
    decision = Decision(event_id="e1", kind=AuditKind.APPROVED, subject="t1", actor="u1", data={"n": "2"})
    entry = seal(decision, user_id="u1", head=None, at=FakeClock()())
    # Then it links to the genesis, and its hash is what any other implementation would compute
    body = (
        '{"actor":"u1","at":"2026-11-25T12:00:00.000000Z","data":{"n":"2"},"event_id":"e1",'
        '"kind":"approved","seq":1,"subject":"t1","user_id":"u1"}'
    )
    assert entry.prev_hash == GENESIS_HASH == "0" * 64
    assert entry.hash == hashlib.sha256((GENESIS_HASH + body).encode()).hexdigest()


def test_data_key_order_does_not_change_the_hash() -> None:
    # Given the same decision recorded by two logs with its data keys in two orders
    first = _log().append(USER, "e", kind=AuditKind.QUOTE, subject="t", actor="a", data={"x": 1, "y": 2})
    second = _log().append(USER, "e", kind=AuditKind.QUOTE, subject="t", actor="a", data={"y": 2, "x": 1})
    # Then both hash alike
    assert first.hash == second.hash


def test_floats_are_refused_because_they_are_not_exact() -> None:
    with pytest.raises(InvalidInput) as refused:
        _append(_log(), "e", price=0.1)
    assert refused.value.field == "data.price"


def test_an_untouched_chain_verifies() -> None:
    entries, head = _chain(4)
    assert verify(entries, head).model_dump() == {
        "ok": True,
        "entries_checked": 4,
        "first_bad_seq": None,
        "reason": None,
        "detail": None,
    }


def _altered(entries: list[AuditEntry]) -> list[AuditEntry]:
    entries[1] = entries[1].model_copy(update={"data": {"amount": "1000"}})
    return entries


def _relinked(entries: list[AuditEntry]) -> list[AuditEntry]:
    # The attacker re-hashes the entry consistently, but on a prev_hash that is not its predecessor's
    forged = entries[1].model_copy(update={"prev_hash": "f" * 64})
    entries[1] = forged.model_copy(update={"hash": entry_hash(forged)})
    return entries


def _rewritten(entries: list[AuditEntry]) -> list[AuditEntry]:
    # Entry 2 altered and re-hashed: entry 3 no longer links to it
    forged = entries[1].model_copy(update={"actor": "someone-else"})
    entries[1] = forged.model_copy(update={"hash": entry_hash(forged)})
    return entries


def _gapped(entries: list[AuditEntry]) -> list[AuditEntry]:
    del entries[1]
    return entries


def _reordered(entries: list[AuditEntry]) -> list[AuditEntry]:
    entries[1], entries[2] = entries[2], entries[1]
    return entries


def _truncated(entries: list[AuditEntry]) -> list[AuditEntry]:
    return entries[:-1]


def _last_rewritten(entries: list[AuditEntry]) -> list[AuditEntry]:
    forged = entries[-1].model_copy(update={"data": {"amount": "0"}})
    return [*entries[:-1], forged.model_copy(update={"hash": entry_hash(forged)})]


@pytest.mark.parametrize(
    ("tamper", "first_bad", "reason"),
    [
        (_altered, 2, Tampering.ALTERED),
        (_relinked, 2, Tampering.BROKEN_LINK),
        (_rewritten, 3, Tampering.BROKEN_LINK),
        (_gapped, 2, Tampering.GAP),
        (_reordered, 2, Tampering.OUT_OF_ORDER),
        (_truncated, 4, Tampering.HEAD_MISMATCH),
        (_last_rewritten, 4, Tampering.HEAD_MISMATCH),
    ],
)
def test_verify_finds_the_first_tampered_entry_and_says_why(
    tamper: Callable[[list[AuditEntry]], list[AuditEntry]], first_bad: int, reason: Tampering
) -> None:
    # Given a chain of four entries, tampered with
    entries, head = _chain(4)
    # When it is verified against its head
    result = verify(tamper(entries), head)
    # Then the first bad sequence number and the reason are reported
    assert (result.ok, result.first_bad_seq, result.reason) == (False, first_bad, reason)
    assert result.detail


def test_a_retried_event_id_returns_the_first_entry() -> None:
    # Given a recorded decision
    repository = InMemoryAuditRepository()
    log = _log(repository)
    first = _append(log, "quote-1", amount=Decimal("1.5"))
    # When a retried step appends it again
    again = _append(log, "quote-1", amount=Decimal("1.5"))
    # Then the first entry is returned and the chain holds one entry
    assert again == first
    assert [entry.seq for entry in repository.entries(USER)] == [1]


def test_a_reused_event_id_with_another_decision_is_a_conflict() -> None:
    log = _log()
    _append(log, "quote-1", amount=Decimal(1))
    with pytest.raises(Conflict):
        _append(log, "quote-1", amount=Decimal(2))


class _RacedOnce(InMemoryAuditRepository):
    """Another writer appends between our head read and our write, once."""

    def __init__(self) -> None:
        super().__init__()
        self.raced = False

    def append(self, entry: AuditEntry) -> AuditEntry:
        if not self.raced:
            self.raced = True
            rival = Decision(event_id="rival", kind=AuditKind.QUOTE, subject="t", actor="a")
            super().append(seal(rival, user_id=entry.user_id, head=self.head(entry.user_id), at=entry.at))
        return super().append(entry)


def test_an_append_that_loses_a_race_is_sealed_again_on_the_new_head() -> None:
    # Given a writer that loses its first race
    repository = _RacedOnce()
    # When it appends
    entry = _append(_log(repository), "mine")
    # Then it is linked after the rival's entry: one chain, no fork
    rival, mine = repository.entries(USER)
    assert (rival.event_id, mine.event_id, mine.seq, mine.prev_hash) == ("rival", "mine", 2, rival.hash)
    assert mine == entry
    assert verify(repository.entries(USER), repository.head(USER)).ok


class _AlwaysRaced(InMemoryAuditRepository):
    def __init__(self) -> None:
        super().__init__()
        self.attempts = 0

    def append(self, entry: AuditEntry) -> AuditEntry:
        self.attempts += 1
        rival = Decision(event_id=f"rival-{self.attempts}", kind=AuditKind.QUOTE, subject="t", actor="a")
        super().append(seal(rival, user_id=entry.user_id, head=self.head(entry.user_id), at=entry.at))
        return super().append(entry)


def test_an_append_gives_up_after_its_attempts() -> None:
    repository = _AlwaysRaced()
    with pytest.raises(Conflict):
        _append(_log(repository, max_attempts=3), "mine")
    assert repository.attempts == 3


def test_entries_are_paginated_with_a_next_cursor_and_per_user() -> None:
    # Given five entries of one user and one of another
    log = _log()
    for n in range(5):
        _append(log, f"e{n}")
    log.append("someone-else", "e0", kind=AuditKind.QUOTE, subject="t", actor="a")
    # When the first user pages through two at a time
    pages, after = [], 0
    while True:
        page = log.entries(USER, after_seq=after, limit=2)
        pages.append([entry.seq for entry in page.items])
        if page.next is None:
            break
        after = page.next
    # Then every entry comes once, in order, and only theirs
    assert pages == [[1, 2], [3, 4], [5]]
    assert {entry.user_id for entry in log.entries(USER, limit=100).items} == {USER}


def test_the_service_verifies_the_stored_chain_against_its_head() -> None:
    # Given a stored chain whose newest entry is deleted
    repository = InMemoryAuditRepository()
    log = _log(repository)
    for n in range(3):
        _append(log, f"e{n}")
    assert log.verify(USER).ok
    del repository.chains[USER][3]
    # Then verification reports where it was cut
    result = log.verify(USER)
    assert (result.ok, result.first_bad_seq, result.reason) == (False, 3, Tampering.HEAD_MISMATCH)
