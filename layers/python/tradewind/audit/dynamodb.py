"""The audit repository on the accounts table (PynamoDB models stay inside this module).

Items, all under ``AUDIT#<user>``: ``SEQ#<seq, 12 digits>`` per entry, ``HEAD`` (latest seq and
hash) and ``EVENT#<event id>`` (claims an event id, names its seq). An append writes all three in
one transaction, each conditional, so the chain can neither fork nor record an event twice.
"""

from __future__ import annotations

import json

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.transactions import TransactWrite

from tradewind.audit.chain import canonical_json
from tradewind.audit.models import AuditEntry, AuditKind, ChainHead
from tradewind.audit.repository import ChainMoved, UnreadableEntry
from tradewind.errors import DependencyUnavailable
from tradewind.storage.accounts_table import AccountsTableItem
from tradewind.storage.dynamodb import DEPENDENCY, get_item, translate_errors

_SEQ_DIGITS = 12
# A concurrent append refuses ours either by a failed condition or, on DynamoDB (never the
# emulator, which serialises requests), by a conflict with the other transaction in flight.
_LOST_RACE = {"ConditionalCheckFailed", "TransactionConflict"}


class _EntryItem(AccountsTableItem):
    user_id = UnicodeAttribute()
    seq = NumberAttribute()
    event_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    subject = UnicodeAttribute()
    actor = UnicodeAttribute()
    at = UTCDateTimeAttribute()
    data = UnicodeAttribute()  # canonical JSON: read back, it hashes as it did when sealed
    prev_hash = UnicodeAttribute()
    entry_hash = UnicodeAttribute(attr_name="hash")

    def to_domain(self) -> AuditEntry:
        return AuditEntry(
            user_id=self.user_id,
            seq=int(self.seq),
            event_id=self.event_id,
            kind=AuditKind(self.kind),
            subject=self.subject,
            actor=self.actor,
            at=self.at,
            data=json.loads(self.data),
            prev_hash=self.prev_hash,
            hash=self.entry_hash,
        )


class _HeadItem(AccountsTableItem):
    seq = NumberAttribute()
    head_hash = UnicodeAttribute(attr_name="hash")


class _EventClaimItem(AccountsTableItem):
    seq = NumberAttribute()


def _chain_key(user_id: str) -> str:
    return f"AUDIT#{user_id}"


def _seq_key(seq: int) -> str:
    return f"SEQ#{seq:0{_SEQ_DIGITS}d}"


def _event_key(event_id: str) -> str:
    return f"EVENT#{event_id}"


def _entry_item(entry: AuditEntry) -> _EntryItem:
    return _EntryItem(
        _chain_key(entry.user_id),
        _seq_key(entry.seq),
        user_id=entry.user_id,
        seq=entry.seq,
        event_id=entry.event_id,
        kind=entry.kind.value,
        subject=entry.subject,
        actor=entry.actor,
        at=entry.at,
        data=canonical_json(entry.data),
        prev_hash=entry.prev_hash,
        entry_hash=entry.hash,
    )


def _write_link(connection: Connection, entry: AuditEntry) -> bool:
    """The append's one transaction; False when a concurrent append or a retried event got there first."""
    pk = _chain_key(entry.user_id)
    head_condition = (
        _HeadItem.pk.does_not_exist()
        if entry.seq == 1
        else (_HeadItem.seq == entry.seq - 1) & (_HeadItem.head_hash == entry.prev_hash)
    )
    try:
        with TransactWrite(connection=connection) as tx:
            tx.save(_entry_item(entry), condition=_EntryItem.pk.does_not_exist())
            tx.save(_HeadItem(pk, "HEAD", seq=entry.seq, head_hash=entry.hash), condition=head_condition)
            tx.save(
                _EventClaimItem(pk, _event_key(entry.event_id), seq=entry.seq),
                condition=_EventClaimItem.pk.does_not_exist(),
            )
    except TransactWriteError as e:
        if {reason.code for reason in e.cancellation_reasons if reason is not None} & _LOST_RACE:
            return False
        raise DependencyUnavailable(f"DynamoDB transaction failed: {e.msg}", dependency=DEPENDENCY) from e
    except PynamoDBException as e:
        raise DependencyUnavailable(f"DynamoDB request failed: {e.msg}", dependency=DEPENDENCY) from e
    return True


class DynamoAuditRepository:
    """AuditRepository on the accounts table; every read is strongly consistent."""

    def __init__(self) -> None:
        # One connection for every append: creating its botocore client costs more than the
        # transaction itself, and racing writers retry. Sized like the table's model pool.
        self._connection = Connection(max_pool_connections=AccountsTableItem.Meta.max_pool_connections)

    def head(self, user_id: str) -> ChainHead | None:
        item = get_item(_HeadItem, _chain_key(user_id), "HEAD")
        return ChainHead(seq=int(item.seq), hash=item.head_hash) if item else None

    def find_event(self, user_id: str, event_id: str) -> AuditEntry | None:
        claim = get_item(_EventClaimItem, _chain_key(user_id), _event_key(event_id))
        if claim is None:
            return None
        item = get_item(_EntryItem, _chain_key(user_id), _seq_key(int(claim.seq)))
        return item.to_domain() if item else None

    def append(self, entry: AuditEntry) -> AuditEntry:
        if _write_link(self._connection, entry):
            return entry
        recorded = self.find_event(entry.user_id, entry.event_id)
        if recorded is None:
            raise ChainMoved(f"sequence {entry.seq} of {entry.user_id}'s audit chain is taken")
        return recorded

    def entries(
        self, user_id: str, *, after_seq: int = 0, through_seq: int | None = None, limit: int | None = None
    ) -> list[AuditEntry]:
        last = _seq_key(through_seq) if through_seq is not None else "SEQ#" + "9" * _SEQ_DIGITS
        entries: list[AuditEntry] = []
        with translate_errors():
            items = _EntryItem.query(
                _chain_key(user_id),
                _EntryItem.sk.between(_seq_key(after_seq + 1), last),
                consistent_read=True,
                limit=limit,
            )
            for item in items:
                try:
                    entries.append(item.to_domain())
                except ValueError as e:  # a tampered item that no longer parses as an entry
                    raise UnreadableEntry(int(item.sk.removeprefix("SEQ#")), entries, str(e)) from e
        return entries
