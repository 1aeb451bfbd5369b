"""One JSON document per user under a fixed sort key, written only on the version its writer read.

The risk profile and the preferences are read and written whole, with optimistic locking on a
version the API shows as an ETag. A field added to a document later takes its default when an
older item is read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Generic, TypeVar

from pydantic import BaseModel
from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from tradewind.errors import Conflict
from tradewind.storage.accounts_table import AccountsTableItem
from tradewind.storage.dynamodb import ConditionFailed, get_item, translate_errors

Document = TypeVar("Document", bound=BaseModel)


class _VersionedItem(AccountsTableItem):
    document = UnicodeAttribute()
    version = NumberAttribute()
    updated_at = UTCDateTimeAttribute()


class Versioned(BaseModel, Generic[Document]):
    """A stored document with its version (1 for the first write) and when it was written."""

    document: Document
    version: int
    updated_at: datetime


class VersionedDocuments(Generic[Document]):
    """Each user's document of one kind: ``USER#<id>`` / ``sort_key``."""

    def __init__(self, sort_key: str, model: type[Document], name: str) -> None:
        self._sort_key = sort_key
        self._model = model
        self._name = name

    def get(self, user_id: str) -> Versioned[Document] | None:
        """The stored document, or None when the user never wrote one."""
        item = get_item(_VersionedItem, f"USER#{user_id}", self._sort_key)
        if item is None:
            return None
        return Versioned[Document](
            document=self._model.model_validate_json(item.document),
            version=int(item.version),
            updated_at=item.updated_at,
        )

    def put(self, user_id: str, document: Document, *, version: int, updated_at: datetime) -> None:
        """Write ``version``; Conflict unless the stored one is still ``version - 1`` (none for 1)."""
        item = _VersionedItem(
            f"USER#{user_id}",
            self._sort_key,
            document=document.model_dump_json(),
            version=version,
            updated_at=updated_at,
        )
        previous = version - 1
        condition = (
            _VersionedItem.pk.does_not_exist() if previous == 0 else _VersionedItem.version == previous
        )
        try:
            with translate_errors():
                item.save(condition=condition)
        except ConditionFailed as e:
            raise Conflict(f"the {self._name} is no longer at version {previous}; read it again") from e
