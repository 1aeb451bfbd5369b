"""The audit use cases: append a decision (idempotently, without forking the chain), read, verify."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from tradewind.audit.chain import normalise, seal, verify, verify_links
from tradewind.audit.models import AuditEntry, AuditKind, AuditPage, Decision, Tampering, Verification
from tradewind.audit.repository import AuditRepository, ChainMoved, UnreadableEntry
from tradewind.errors import Conflict

MAX_PAGE = 100


class AuditLog:
    """Each user's append-only, hash-chained log of the decisions a trade goes through.

    Appends are optimistic: seal the entry on the head just read, and let the repository's
    conditional write refuse it if another append moved the head meanwhile; then re-read and
    seal again, at most ``max_attempts`` times, with jittered backoff so racing writers spread out.
    """

    def __init__(
        self,
        repository: AuditRepository,
        clock: Callable[[], datetime],
        *,
        max_attempts: int = 12,
        backoff_s: float = 0.01,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._repository = repository
        self._clock = clock
        self._max_attempts = max_attempts
        self._backoff_s = backoff_s
        self._sleep = sleep

    def append(
        self,
        user_id: str,
        event_id: str,
        *,
        kind: AuditKind,
        subject: str,
        actor: str,
        data: Mapping[str, Any] | None = None,
    ) -> AuditEntry:
        """Record a decision; a retried ``event_id`` returns the entry recorded the first time.

        Conflict when that event id was recorded with another decision (a caller's bug that a
        silent success would hide), or when the chain stays too busy to join.
        """
        decision = Decision(
            event_id=event_id, kind=kind, subject=subject, actor=actor, data=normalise(data or {})
        )
        recorded = self._repository.find_event(user_id, event_id)
        for attempt in range(self._max_attempts):
            if recorded is not None:
                return self._same_decision(recorded, decision)
            entry = seal(decision, user_id=user_id, head=self._repository.head(user_id), at=self._clock())
            try:
                recorded = self._repository.append(entry)
            except ChainMoved:
                # Full jitter: a random wait up to an exponentially growing cap (10 ms, 20 ms, ...).
                self._sleep(random.uniform(0, self._backoff_s * 2 ** min(attempt, 5)))  # noqa: S311 - jitter
        if recorded is not None:
            return self._same_decision(recorded, decision)
        raise Conflict(f"the audit log stayed busy through {self._max_attempts} attempts; retry")

    @staticmethod
    def _same_decision(recorded: AuditEntry, decision: Decision) -> AuditEntry:
        if Decision.model_validate(recorded.model_dump(include=set(Decision.model_fields))) != decision:
            raise Conflict(f"event {decision.event_id} was recorded with a different decision")
        return recorded

    def entries(self, user_id: str, after_seq: int = 0, limit: int = 50) -> AuditPage:
        """A page of the user's entries after ``after_seq``, oldest first."""
        limit = max(1, min(limit, MAX_PAGE))
        found = self._repository.entries(user_id, after_seq=after_seq, limit=limit + 1)
        page = found[:limit]
        return AuditPage(items=page, next=page[-1].seq if len(found) > limit else None)

    def verify(self, user_id: str) -> Verification:
        """Re-compute the user's whole chain up to its head (entries appended meanwhile are not read)."""
        head = self._repository.head(user_id)
        through = head.seq if head else None
        try:
            entries = self._repository.entries(user_id, through_seq=through)
        except UnreadableEntry as e:
            before = verify_links(e.readable)
            if not before.ok:
                return before
            return Verification(
                ok=False,
                entries_checked=len(e.readable) + 1,
                first_bad_seq=e.seq,
                reason=Tampering.ALTERED,
                detail=str(e),
            )
        return verify(entries, head)
