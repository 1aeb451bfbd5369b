"""The accounts table: a single-table design shared by the accounts and wallets contexts.

Item keys (pk / sk):
- ``USER#<id>`` / ``PROFILE``                      the user
- ``EMAIL#<email>`` / ``EMAIL``                    claims an email for one user (uniqueness)
- ``SESSION#<id>`` / ``SESSION``                   a login's refresh-token family
- ``REFRESH#<id>`` / ``REFRESH``                   one refresh token
- ``USER#<id>`` / ``APIKEY#<key id>``              a user's API key (listed per user)
- ``APIKEY#<key id>`` / ``APIKEY``                 the same key, looked up when it authenticates
- ``USER#<id>`` / ``WALLET#<wallet id>``           a watched wallet (id derived from chain+address)
- ``LOGINFAIL#<email>`` / ``WINDOW#<start>``       failed logins in one throttle window (TTL)
- ``HOLDINGS#<chain>`` / ``OWNER#<address>``       an address's last fresh holdings on a chain (TTL)
- ``DISCOVERY#<chain>`` / ``OWNER#<address>``      tokens found in its Transfer logs, and the cursor (TTL)
"""

from __future__ import annotations

from tradewind.storage.dynamodb import SingleTableItem, bind_table


class AccountsTableItem(SingleTableItem):
    """Base of every item model kept in the accounts table."""

    class Meta:
        table_name: str | None = None
        # Served by uvicorn's thread pool locally, the default 10 connections would churn.
        max_pool_connections = 50


def bind_accounts_table(table_name: str) -> None:
    """Point every accounts-table model at the deployed table."""
    bind_table(AccountsTableItem, table_name)
