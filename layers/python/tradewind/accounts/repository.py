"""The accounts context's data-access port."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from tradewind.accounts.models import ApiKey, ApiKeyRecord, RefreshTokenRecord, SessionFamily, UserRecord


class AccountsRepository(Protocol):
    """Storage for users, sessions, API keys and login throttling.

    Every invariant is a conditional write: an email belongs to one user, a refresh token is used
    once, a revoked session mints nothing.
    """

    def create_user(self, user: UserRecord) -> None:
        """Store a new user; Conflict when the email is taken."""

    def get_user(self, user_id: str) -> UserRecord | None:
        """The user with this id."""

    def find_user_by_email(self, email: str) -> UserRecord | None:
        """The user who claimed this (normalised) email."""

    def create_session(self, session: SessionFamily, first_token: RefreshTokenRecord) -> None:
        """Store a new session family with its first refresh token."""

    def get_session(self, session_id: str) -> SessionFamily | None:
        """The session family with this id."""

    def get_refresh_token(self, token_id: str) -> RefreshTokenRecord | None:
        """The refresh token with this id."""

    def rotate_refresh_token(self, used: RefreshTokenRecord, replacement: RefreshTokenRecord) -> bool:
        """Mark ``used`` spent and store ``replacement`` atomically.

        False when ``used`` was already spent or its session revoked (nothing is written then).
        """

    def revoke_session(self, session_id: str) -> None:
        """Revoke a session family: none of its tokens work afterwards."""

    def create_api_key(self, key: ApiKeyRecord) -> None:
        """Store a new API key."""

    def list_api_keys(self, user_id: str) -> list[ApiKey]:
        """The user's API keys, oldest first."""

    def get_api_key(self, key_id: str) -> ApiKeyRecord | None:
        """An API key by id, for authentication."""

    def delete_api_key(self, user_id: str, key_id: str) -> bool:
        """Delete the user's key; False when the user has no such key."""

    def failed_logins(self, email: str, window_start: datetime) -> int:
        """Failed logins for this email in the window starting at ``window_start``."""

    def record_failed_login(self, email: str, window_start: datetime, expires_at: datetime) -> int:
        """Count one more failed login in the window; returns the new count."""
