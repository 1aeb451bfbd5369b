"""The preferences context's data-access port."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from tradewind.preferences.models import Preferences, StoredPreferences


class PreferencesRepository(Protocol):
    """Storage for each user's preferences, versioned so that a stale write is refused."""

    def get(self, user_id: str) -> StoredPreferences | None:
        """The user's stored preferences, None when the user never set any."""

    def put(
        self, user_id: str, preferences: Preferences, *, version: int, updated_at: datetime
    ) -> StoredPreferences:
        """Store ``preferences`` as ``version`` if the stored ones are at ``version - 1`` (none for 1).

        Conflict otherwise: someone else wrote the preferences in between.
        """
