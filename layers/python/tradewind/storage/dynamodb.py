"""DynamoDB plumbing every table shares: binding models to a deployed table, error translation,
transactions and consistent reads. Each table's module declares its base model and item layout.
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

_Item = TypeVar("_Item", bound=Model)


class SingleTableItem(Model):
    """Base of the single-table designs: generic string keys and a TTL attribute.

    Each table declares a subclass with its own ``Meta`` (name bound from settings); item models
    derive from that subclass.
    """

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    expires_at = NumberAttribute(null=True)  # the tables' TTL attribute, epoch seconds


def bind_table(base: type[Model], table_name: str) -> None:
    """Point ``base`` and every model derived from it at a deployed table (its name comes from settings).

    Cached connections are dropped too: PynamoDB keeps one per model class and would otherwise
    keep talking to the endpoint of an earlier binding.
    """
    base.Meta.table_name = table_name
    pending: list[type[Model]] = [base]
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
