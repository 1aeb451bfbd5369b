"""The preferences repository on the accounts table: ``USER#<id>`` / ``PREFERENCES``."""

from __future__ import annotations

from datetime import datetime

from tradewind.preferences.models import Preferences, StoredPreferences
from tradewind.storage.versioned import VersionedDocuments


class DynamoPreferencesRepository:
    """PreferencesRepository over the versioned documents of the accounts table."""

    def __init__(self) -> None:
        self._documents = VersionedDocuments("PREFERENCES", Preferences, "preferences")

    def get(self, user_id: str) -> StoredPreferences | None:
        stored = self._documents.get(user_id)
        if stored is None:
            return None
        return StoredPreferences.of(stored.document, version=stored.version, updated_at=stored.updated_at)

    def put(
        self, user_id: str, preferences: Preferences, *, version: int, updated_at: datetime
    ) -> StoredPreferences:
        self._documents.put(user_id, preferences, version=version, updated_at=updated_at)
        return StoredPreferences.of(preferences, version=version, updated_at=updated_at)
