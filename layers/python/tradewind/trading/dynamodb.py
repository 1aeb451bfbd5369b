"""Trades on the accounts table (PynamoDB stays inside this module).

Items:
- ``USER#<user>`` / ``TRADE#<trade id>``: the trade as JSON, its status, and a version that every
  write checks (optimistic locking), so two steps racing to move a trade cannot both win.
- ``IDEMKEY#<user>#<key>`` / ``IDEMKEY``: claims an Idempotency-Key for one trade, written in the
  same transaction as the trade; it keeps the request's fingerprint, so that the same key with a
  different request is refused rather than answered with the first trade. Claims expire after
  ``IDEMPOTENCY_KEY_TTL``, as keys do at most payment APIs.
Trade ids sort by creation time, so a user's trades list newest first with one query.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from pynamodb.attributes import UnicodeAttribute, VersionAttribute
from pynamodb.expressions.condition import Condition

from tradewind.errors import Conflict, NotFound
from tradewind.storage.accounts_table import AccountsTableItem
from tradewind.storage.dynamodb import ConditionFailed, get_item, transaction, translate_errors
from tradewind.trading.models import TimelineEntry, Trade, TradeStatus, sources_of

IDEMPOTENCY_KEY_TTL = timedelta(hours=24)
# Steps of one trade rarely race (an approval against its timeout, a cancel against the signer);
# a few re-reads settle any race, and more would mean something else is wrong.
TRANSITION_ATTEMPTS = 5


class _TradeItem(AccountsTableItem):
    trade_id = UnicodeAttribute()
    status = UnicodeAttribute()
    document = UnicodeAttribute()  # the Trade as JSON
    version = VersionAttribute()


class _KeyClaim(AccountsTableItem):
    trade_id = UnicodeAttribute()
    fingerprint = UnicodeAttribute()


def _user_key(user_id: str) -> str:
    return f"USER#{user_id}"


def _trade_key(trade_id: str) -> str:
    return f"TRADE#{trade_id}"


def _claim_key(user_id: str, idempotency_key: str) -> str:
    return f"IDEMKEY#{user_id}#{idempotency_key}"


class IdempotencyKeyReused(Conflict):
    """The Idempotency-Key already names a trade made from a different request."""


class DynamoTradesRepository:
    """Trades and their Idempotency-Key claims on the accounts table."""

    def create(self, trade: Trade, idempotency_key: str, now: datetime) -> tuple[Trade, bool]:
        """Record a new trade under its key: (trade, True); a retry of the key: (the first trade, False)."""
        item = _TradeItem(
            _user_key(trade.user_id),
            _trade_key(trade.id),
            trade_id=trade.id,
            status=trade.status.value,
            document=trade.model_dump_json(),
        )
        claim = _KeyClaim(
            _claim_key(trade.user_id, idempotency_key),
            "IDEMKEY",
            trade_id=trade.id,
            fingerprint=trade.request.fingerprint(),
            expires_at=int((now + IDEMPOTENCY_KEY_TTL).timestamp()),
        )
        try:
            with transaction() as tx:
                tx.save(claim, condition=_KeyClaim.pk.does_not_exist())
                tx.save(item, condition=_TradeItem.pk.does_not_exist())
        except ConditionFailed:
            return self._claimed(trade, idempotency_key), False
        return trade, True

    def _claimed(self, trade: Trade, idempotency_key: str) -> Trade:
        claim = get_item(_KeyClaim, _claim_key(trade.user_id, idempotency_key), "IDEMKEY")
        if claim is None:
            raise Conflict("the trade could not be recorded, try again")
        if claim.fingerprint != trade.request.fingerprint():
            raise IdempotencyKeyReused("this Idempotency-Key was used for a different trade request")
        existing = self.get(trade.user_id, claim.trade_id)
        if existing is None:
            raise NotFound("the trade of this Idempotency-Key no longer exists")
        return existing

    def get(self, user_id: str, trade_id: str) -> Trade | None:
        """The trade, strongly consistent; None when the user has no such trade."""
        item = get_item(_TradeItem, _user_key(user_id), _trade_key(trade_id))
        return Trade.model_validate_json(item.document) if item else None

    def list(self, user_id: str, limit: int, before: str | None = None) -> list[Trade]:
        """The user's trades, newest first, older than the trade id ``before`` when given."""
        condition: Condition = _TradeItem.sk.startswith(_trade_key(""))
        if before is not None:
            # Between is inclusive: the ``before`` trade itself is read and dropped.
            condition = _TradeItem.sk.between(_trade_key(""), _trade_key(before))
        with translate_errors():
            items = _TradeItem.query(
                _user_key(user_id), condition, scan_index_forward=False, limit=limit + 1, consistent_read=True
            )
            trades = [Trade.model_validate_json(item.document) for item in items]
        return [trade for trade in trades if trade.id != before][:limit]

    def annotate(
        self, user_id: str, trade_id: str, while_in: frozenset[TradeStatus], **updates: Any
    ) -> Trade:
        """Set ``updates`` on the trade without moving it, provided it is still in ``while_in``."""
        return self._write(user_id, trade_id, lambda trade: self._annotated(trade, while_in, updates))

    @staticmethod
    def _annotated(trade: Trade, while_in: frozenset[TradeStatus], updates: dict[str, Any]) -> Trade:
        if trade.status not in while_in:
            raise Conflict(f"the trade is {trade.status.value}")
        return trade.model_copy(update=updates)

    def transition(
        self,
        user_id: str,
        trade_id: str,
        to: TradeStatus,
        at: datetime,
        detail: str | None = None,
        **updates: Any,
    ) -> Trade:
        """Move the trade to ``to`` with ``updates`` applied and the step added to its timeline.

        A trade already in ``to`` is returned unchanged (a retried step); one in a status that
        cannot lead to ``to`` is a Conflict naming both. Writes are conditional on the version
        read, and a lost race is re-read and re-checked.
        """

        def moved(trade: Trade) -> Trade | None:
            if trade.status is to:
                return None
            if trade.status not in sources_of(to):
                raise Conflict(f"the trade is {trade.status.value}; it cannot become {to.value}")
            return trade.model_copy(
                update={
                    **updates,
                    "status": to,
                    "updated_at": at,
                    "timeline": (*trade.timeline, TimelineEntry(status=to, at=at, detail=detail)),
                }
            )

        return self._write(user_id, trade_id, moved)

    def _write(self, user_id: str, trade_id: str, change: Callable[[Trade], Trade | None]) -> Trade:
        """Apply ``change`` to the stored trade under its version; None from it means "already so"."""
        for _ in range(TRANSITION_ATTEMPTS):
            item = get_item(_TradeItem, _user_key(user_id), _trade_key(trade_id))
            if item is None:
                raise NotFound("no such trade")
            trade = Trade.model_validate_json(item.document)
            changed = change(trade)
            if changed is None:
                return trade
            # model_copy does not validate: round-trip so that a bad update fails here, not on read.
            validated = Trade.model_validate(changed.model_dump())
            item.status = validated.status.value
            item.document = validated.model_dump_json()
            try:
                with translate_errors():
                    item.save()
            except ConditionFailed:
                continue
            return validated
        raise Conflict("the trade kept changing while it was being updated, try again")
