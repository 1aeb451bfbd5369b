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
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from tradewind.errors import DependencyUnavailable

DEPENDENCY = "dynamodb"


class AccountsTableItem(Model):
    """Base of every item model kept in the accounts table."""

    class Meta:
        table_name: str | None = None
        # Served by uvicorn's thread pool locally, the default 10 connections would churn.
        max_pool_connections = 50

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    expires_at = NumberAttribute(null=True)  # the table's TTL attribute, epoch seconds


_Item = TypeVar("_Item", bound=AccountsTableItem)


def bind_accounts_table(table_name: str) -> None:
    """Point every accounts-table model at the deployed table (its name comes from settings).

    Cached connections are dropped too: PynamoDB keeps one per model class and would otherwise
    keep talking to the endpoint of an earlier binding.
    """
    AccountsTableItem.Meta.table_name = table_name
    pending: list[type[Model]] = [AccountsTableItem]
    while pending:
        model = pending.pop()
        model._connection = None
        pending.extend(model.__subclasses__())


class ConditionFailed(Exception):
    """A conditional write inside ``transaction`` or ``translate_errors`` was refused."""


@contextmanager
def translate_errors() -> Iterator[None]:
    """Turn PynamoDB and botocore failures into the project's errors."""
    try:
        yield
    except PynamoDBException as e:
        if e.cause_response_code == "ConditionalCheckFailedException":
            raise ConditionFailed(str(e)) from e
        raise DependencyUnavailable(f"DynamoDB request failed: {e.msg}", dependency=DEPENDENCY) from e


@contextmanager
def transaction() -> Iterator[TransactWrite]:
    """A write transaction; a refused condition on any item raises ConditionFailed."""
    try:
        with TransactWrite(connection=Connection()) as tx:
            yield tx
    except TransactWriteError as e:
        codes = {reason.code for reason in e.cancellation_reasons if reason is not None}
        if "ConditionalCheckFailed" in codes:
            raise ConditionFailed(str(e)) from e
        raise DependencyUnavailable(f"DynamoDB transaction failed: {e.msg}", dependency=DEPENDENCY) from e
    except PynamoDBException as e:
        raise DependencyUnavailable(f"DynamoDB request failed: {e.msg}", dependency=DEPENDENCY) from e


def get_item(model: type[_Item], pk: str, sk: str) -> _Item | None:
    """A strongly consistent read of one item, None when it does not exist."""
    with translate_errors():
        try:
            return model.get(pk, sk, consistent_read=True)
        except model.DoesNotExist:
            return None
