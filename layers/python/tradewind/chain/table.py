"""The chain table: nonce counters and sent-transaction records, one PynamoDB base model.

Item keys (pk / sk):
- ``NONCE#<chain id>#<address>`` / ``NONCE``     the next nonce to hand out for a signer on a chain
- ``TX#<chain id>#<logical id>`` / ``TX``         the signed transaction sent for one logical id
"""

from __future__ import annotations

from tradewind.storage.dynamodb import SingleTableItem, bind_table


class ChainTableItem(SingleTableItem):
    """Base of every item model kept in the chain table."""

    class Meta:
        table_name: str | None = None
        # Several sender threads per process share the connection pool.
        max_pool_connections = 50


def bind_chain_table(table_name: str) -> None:
    """Point every chain-table model at the deployed table."""
    bind_table(ChainTableItem, table_name)
