"""The holdings SnapshotSource on the accounts table: each owner's last fresh read on each chain.

Item: ``HOLDINGS#<chain>`` / ``OWNER#<address>``, the owner's holdings as JSON with the block and
time of the read. One item per owner, not per chain: users read their own addresses, and one
user's read must not replace another's snapshot. Reads are one BatchGetItem of exactly the
owners asked for, on every chain asked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from tradewind.holdings.models import ChainHoldings, OwnerHoldings
from tradewind.holdings.snapshots import OwnerSnapshot, merged, owner_snapshots
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

    def of_owners(self, owners_by_chain: Mapping[str, Sequence[str]]) -> dict[str, ChainHoldings]:
        """Every asked owner's snapshot on every asked chain in one BatchGetItem (paged past 100 keys)."""
        keys = [
            (_chain_key(chain), _owner_key(owner))
            for chain, owners in owners_by_chain.items()
            for owner in dict.fromkeys(owners)
        ]
        if not keys:
            return {}
        with translate_errors():
            items = list(_SnapshotItem.batch_get(keys, consistent_read=True))
        return merged(owners_by_chain, {(item.chain, item.owner): _snapshot(item) for item in items})

    def save(self, holdings: ChainHoldings) -> None:
        """Replace the snapshot of every owner in a fresh read."""
        snapshots = owner_snapshots(holdings)
        if not snapshots:
            return
        with translate_errors(), _SnapshotItem.batch_write() as batch:
            for snapshot in snapshots:
                batch.save(
                    _SnapshotItem(
                        _chain_key(holdings.chain),
                        _owner_key(snapshot.holdings.owner),
                        chain=holdings.chain,
                        owner=snapshot.holdings.owner,
                        holdings=snapshot.holdings.model_dump_json(),
                        block_number=snapshot.block_number,
                        read_at=snapshot.read_at,
                        expires_at=int((snapshot.read_at + SNAPSHOT_TTL).timestamp()),
                    )
                )


def _snapshot(item: _SnapshotItem) -> OwnerSnapshot:
    return OwnerSnapshot(
        holdings=OwnerHoldings.model_validate_json(item.holdings),
        block_number=int(item.block_number),
        read_at=item.read_at,
    )
