"""The preferences use cases: read a user's preferences (defaults until set) and replace them whole."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from tradewind.preferences.models import Preferences, StoredPreferences
from tradewind.preferences.repository import PreferencesRepository


class PreferencesService:
    """Reads and replaces users' preferences, each write one version on from the one it read."""

    def __init__(self, repository: PreferencesRepository, clock: Callable[[], datetime]) -> None:
        self._repository = repository
        self._clock = clock

    def preferences(self, user_id: str) -> StoredPreferences:
        """The user's preferences; the defaults, at version 0, until the user sets them."""
        stored = self._repository.get(user_id)
        return stored or StoredPreferences.of(Preferences(), version=0, updated_at=None)

    def replace(self, user_id: str, preferences: Preferences, if_match: int | None) -> StoredPreferences:
        """Replace all the preferences. With ``if_match`` (the version the caller read) newer ones are never
        overwritten; without it the write still lands on the version read here, or is a Conflict.
        """
        read = self.preferences(user_id).version if if_match is None else if_match
        return self._repository.put(user_id, preferences, version=read + 1, updated_at=self._clock())
