"""The audit context's data-access port."""

from __future__ import annotations

from typing import Protocol

from tradewind.audit.models import AuditEntry, ChainHead


class ChainMoved(Exception):
    """Another append took the sequence slot first: re-read the head and seal again."""


class AuditRepository(Protocol):
    """Storage of hash-chained entries; entries are only ever added, never changed."""

    def head(self, user_id: str) -> ChainHead | None:
        """The user's latest link, None before the first entry."""

    def find_event(self, user_id: str, event_id: str) -> AuditEntry | None:
        """The entry already recorded for ``event_id``, if any."""

    def append(self, entry: AuditEntry) -> AuditEntry:
        """Store ``entry`` as the link after its ``prev_hash``, atomically with its event-id claim.

        Returns ``entry``, or the entry recorded earlier for the same event id. Raises ChainMoved when
        the head is no longer the one ``entry`` was sealed on (a concurrent append won).
        """

    def entries(
        self, user_id: str, *, after_seq: int = 0, through_seq: int | None = None, limit: int | None = None
    ) -> list[AuditEntry]:
        """Entries in storage (sequence-key) order with after_seq < seq <= through_seq, at most limit."""


class UnreadableEntry(Exception):
    """A stored entry no longer parses as an entry (it was tampered with outside the service)."""

    def __init__(self, seq: int, readable: list[AuditEntry], why: str) -> None:
        super().__init__(f"audit entry {seq} cannot be read: {why}")
        self.seq = seq
        self.readable = readable  # the entries before it, in storage order
