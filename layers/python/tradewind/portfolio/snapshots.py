"""The holdings SnapshotSource on the accounts table: each owner's last fresh read on each chain.

Item: ``HOLDINGS#<chain>`` / ``OWNER#<address>``, the owner's holdings as JSON with the block and
time of the read. One item per owner, not per chain: users read their own addresses, and one
user's read must not replace another's snapshot. ``latest(chain)`` queries the chain's partition
and the reader keeps the owners it asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from tradewind.holdings.models import ChainHoldings, OwnerHoldings
from tradewind.storage.accounts_table import AccountsTableItem
from tradewind.storage.dynamodb import translate_errors

# A snapshot nobody refreshed for this long belongs to an address nobody watches any more.
SNAPSHOT_TTL = timedelta(days=30)


class _SnapshotItem(AccountsTableItem):
    chain = UnicodeAttribute()
    owner = UnicodeAttribute()
    holdings = UnicodeAttribute()  # OwnerHoldings as JSON
    block_number = NumberAttribute()
    read_at = UTCDateTimeAttribute()


def _chain_key(chain: str) -> str:
    return f"HOLDINGS#{chain}"


def _owner_key(owner: str) -> str:
    return f"OWNER#{owner}"


class DynamoSnapshotSource:
    """SnapshotSource on the accounts table (PynamoDB stays inside this module)."""

    def latest(self, chain_key: str) -> ChainHoldings | None:
        """The chain's owner snapshots as one stale-able read; its block and time are the oldest owner's."""
        with translate_errors():
            items = list(_SnapshotItem.query(_chain_key(chain_key)))
        if not items:
            return None
        oldest = min(items, key=lambda item: item.read_at)
        holdings = tuple(OwnerHoldings.model_validate_json(item.holdings) for item in items)
        return ChainHoldings(
            chain=chain_key,
            owners=tuple(h.owner for h in holdings),
            holdings=holdings,
            status="fresh",
            block_number=int(oldest.block_number),
            read_at=oldest.read_at,
            age_s=0.0,
        )

    def of_owners(self, chain_key: str, owners: Sequence[str]) -> ChainHoldings | None:
        """The snapshots of exactly these owners as one read, or None unless every owner has one.

        Its time and block are the oldest owner's; ``age_s`` is left 0 for the caller to set.
        """
        keys = [(_chain_key(chain_key), _owner_key(owner)) for owner in dict.fromkeys(owners)]
        with translate_errors():
            items = {item.owner: item for item in _SnapshotItem.batch_get(keys, consistent_read=True)}
        if not keys or len(items) != len(keys):
            return None
        ordered = [items[owner] for owner in dict.fromkeys(owners)]
        oldest = min(ordered, key=lambda item: item.read_at)
        return ChainHoldings(
            chain=chain_key,
            owners=tuple(item.owner for item in ordered),
            holdings=tuple(OwnerHoldings.model_validate_json(item.holdings) for item in ordered),
            status="fresh",
            block_number=int(oldest.block_number),
            read_at=oldest.read_at,
            age_s=0.0,
        )

    def save(self, holdings: ChainHoldings) -> None:
        """Replace the snapshot of every owner in a fresh read."""
        if holdings.status != "fresh" or holdings.block_number is None or holdings.read_at is None:
            return
        expires_at = int((holdings.read_at + SNAPSHOT_TTL).timestamp())
        with translate_errors(), _SnapshotItem.batch_write() as batch:
            for owner in holdings.holdings:
                batch.save(
                    _SnapshotItem(
                        _chain_key(holdings.chain),
                        _owner_key(owner.owner),
                        chain=holdings.chain,
                        owner=owner.owner,
                        holdings=owner.model_dump_json(),
                        block_number=holdings.block_number,
                        read_at=holdings.read_at,
                        expires_at=expires_at,
                    )
                )
