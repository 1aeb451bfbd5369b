"""What was signed for each logical id, persisted before it is broadcast.

A retry of the same logical id finds the record and re-sends the same bytes, so a crash between
signing and broadcasting can never produce a second transaction.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute

from tradewind.chain.table import ChainTableItem
from tradewind.storage.dynamodb import translate_errors


class TransactionRecord(BaseModel):
    """The transaction sent for one logical id: its latest signed version and every hash it had."""

    model_config = ConfigDict(frozen=True)

    logical_id: str = Field(min_length=1)
    nonce: int = Field(ge=0)
    tx: dict[str, Any] = Field(description="the unsigned transaction of the latest version")
    raw_hex: str
    tx_hashes: tuple[str, ...] = Field(min_length=1, description="oldest first; replacements append")
    signed_at: float = Field(
        default=0.0, ge=0, description="Unix time the latest version was signed; 0 when unknown (old records)"
    )

    @property
    def tx_hash(self) -> str:
        """The hash of the latest version."""
        return self.tx_hashes[-1]


class _TransactionItem(ChainTableItem):
    nonce = NumberAttribute()
    tx_json = UnicodeAttribute()
    raw_hex = UnicodeAttribute()
    tx_hashes = ListAttribute(of=UnicodeAttribute)
    signed_at = NumberAttribute(null=True)

    def to_domain(self, logical_id: str) -> TransactionRecord:
        return TransactionRecord(
            logical_id=logical_id,
            nonce=int(self.nonce),
            tx=json.loads(self.tx_json),
            raw_hex=self.raw_hex,
            tx_hashes=tuple(self.tx_hashes),
            signed_at=float(self.signed_at or 0),
        )


class TransactionStore:
    """Transaction records of one chain; writes are conditional, ConditionFailed when they lose."""

    def __init__(self, chain_id: int) -> None:
        self._chain_id = chain_id

    def _pk(self, logical_id: str) -> str:
        return f"TX#{self._chain_id}#{logical_id}"

    def get(self, logical_id: str) -> TransactionRecord | None:
        """A strongly consistent read; None when nothing was signed for the logical id."""
        with translate_errors():
            try:
                item = _TransactionItem.get(self._pk(logical_id), "TX", consistent_read=True)
            except _TransactionItem.DoesNotExist:
                return None
        return item.to_domain(logical_id)

    def create(self, record: TransactionRecord) -> None:
        """Persist the first version; ConditionFailed when the logical id already has one."""
        item = _TransactionItem(
            self._pk(record.logical_id),
            "TX",
            nonce=record.nonce,
            tx_json=json.dumps(record.tx),
            raw_hex=record.raw_hex,
            tx_hashes=list(record.tx_hashes),
            signed_at=record.signed_at,
        )
        with translate_errors():
            item.save(condition=_TransactionItem.pk.does_not_exist())

    def replace(
        self,
        record: TransactionRecord,
        tx: dict[str, Any],
        raw_hex: str,
        tx_hash: str,
        *,
        signed_at: float = 0.0,
    ) -> TransactionRecord:
        """Record a replacement; ConditionFailed when another attempt replaced the version first."""
        item = _TransactionItem(self._pk(record.logical_id), "TX")
        with translate_errors():
            item.update(
                actions=[
                    _TransactionItem.tx_json.set(json.dumps(tx)),
                    _TransactionItem.raw_hex.set(raw_hex),
                    _TransactionItem.tx_hashes.set(_TransactionItem.tx_hashes.append([tx_hash])),
                    _TransactionItem.signed_at.set(signed_at),
                ],
                condition=_TransactionItem.raw_hex == record.raw_hex,
            )
        return record.model_copy(
            update={
                "tx": tx,
                "raw_hex": raw_hex,
                "tx_hashes": (*record.tx_hashes, tx_hash),
                "signed_at": signed_at,
            }
        )

    def delete(self, record: TransactionRecord) -> None:
        """Forget a record whose transaction no node accepted, so a retry signs afresh."""
        with translate_errors():
            _TransactionItem(self._pk(record.logical_id), "TX").delete(
                condition=_TransactionItem.raw_hex == record.raw_hex
            )
