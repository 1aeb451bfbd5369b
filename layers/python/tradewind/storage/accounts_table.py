"""The accounts table: the single-table design every context of the service shares.

Item keys (pk / sk):
- ``USER#<id>`` / ``PROFILE``                      the user
- ``EMAIL#<email>`` / ``EMAIL``                    claims an email for one user (uniqueness)
- ``SESSION#<id>`` / ``SESSION``                   a login's refresh-token family
- ``REFRESH#<id>`` / ``REFRESH``                   one refresh token
- ``USER#<id>`` / ``APIKEY#<key id>``              a user's API key (listed per user)
- ``APIKEY#<key id>`` / ``APIKEY``                 the same key, looked up when it authenticates
- ``USER#<id>`` / ``WALLET#<wallet id>``           a watched wallet (id derived from chain+address)
- ``USER#<id>`` / ``RISKPROFILE``                  the user's risk profile (limits, automation; versioned)
- ``USER#<id>`` / ``PREFERENCES``                  the user's preferences for the assistant (versioned)
- ``AUDIT#<user>`` / ``SEQ#<seq>``                 one audit entry (seq padded to 12 digits; never changed)
- ``AUDIT#<user>`` / ``HEAD``                      the audit chain's latest seq and hash (appends check it)
- ``AUDIT#<user>`` / ``EVENT#<event id>``          claims an event id for one audit entry (idempotent appends)
- ``LOGINFAIL#<email>`` / ``WINDOW#<start>``       failed logins in one throttle window (TTL)
- ``HOLDINGS#<chain>`` / ``OWNER#<address>``       an address's last fresh holdings on a chain (TTL)
- ``DISCOVERY#<chain>`` / ``OWNER#<address>``      tokens found in its Transfer logs, and the cursor (TTL)
- ``USER#<id>`` / ``VAULT#<vault id>``             a trading vault's record
- ``VALUES#<id>#<period>`` / ``AT#<t>#<chain>#<a>`` a holder's first and latest value in one interval (TTL)
- ``PRICE#<symbol>`` / ``AT#<time>``               one recorded price (TTL)
- ``USER#<id>`` / ``TRADE#<trade id>``             a trade, its status and version (optimistic locking)
- ``IDEMKEY#<id>#<key>`` / ``IDEMKEY``             claims an Idempotency-Key for one trade (TTL)
- ``USER#<id>`` / ``CONVERSATION#<conv id>``       an assistant conversation and its summary (versioned)
- ``CHAT#<id>#<conv id>`` / ``TURN#<index>``       one turn of it (index padded to 6 digits; never changed)
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
