"""The chain table: nonce counters and sent-transaction records, one PynamoDB base model.

Item keys (pk / sk):
- ``NONCE#<chain id>#<address>`` / ``NONCE``     the next nonce to hand out for a signer on a chain
- ``TX#<chain id>#<logical id>`` / ``TX``         the signed transaction sent for one logical id
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from tradewind.storage.dynamodb import bind_table


class ChainTableItem(Model):
    """Base of every item model kept in the chain table."""

    class Meta:
        table_name: str | None = None
        # Several sender threads per process share the connection pool.
        max_pool_connections = 50

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    expires_at = NumberAttribute(null=True)  # the table's TTL attribute, epoch seconds


def bind_chain_table(table_name: str) -> None:
    """Point every chain-table model at the deployed table."""
    bind_table(ChainTableItem, table_name)
