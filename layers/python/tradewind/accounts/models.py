"""Domain models of the accounts context (what leaves the data-access layer)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Scope(StrEnum):
    """What an API key may do. A user session holds every scope."""

    READ = "read"
    WRITE = "write"
    TRADE = "trade"


class User(BaseModel):
    """A registered user as clients see it."""

    model_config = ConfigDict(frozen=True)

    id: str
    email: str
    created_at: datetime


class UserRecord(User):
    """A user with the credentials that never leave the service."""

    password_hash: str


class SessionFamily(BaseModel):
    """One login: every refresh token minted from it belongs to this family."""

    model_config = ConfigDict(frozen=True)

    id: str
    user_id: str
    created_at: datetime
    expires_at: datetime
    revoked: bool = False


class RefreshTokenRecord(BaseModel):
    """One refresh token of a family; only the hash of its secret is stored."""

    model_config = ConfigDict(frozen=True)

    id: str
    family_id: str
    user_id: str
    secret_hash: str
    expires_at: datetime
    used: bool = False


class TokenPair(BaseModel):
    """What a login or a refresh returns."""

    access_token: str
    refresh_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth 2 token type, not a secret
    expires_in: int = Field(description="Seconds until the access token expires")


class ApiKey(BaseModel):
    """An API key's public description."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    scopes: frozenset[Scope]
    prefix: str = Field(description="The first characters of the secret, to recognise a key")
    created_at: datetime


class ApiKeyRecord(ApiKey):
    """An API key as stored: the owner and the hash of its secret."""

    user_id: str
    secret_hash: str


class NewApiKey(ApiKey):
    """A just-created key: the only time its secret is shown."""

    secret: str


class Principal(BaseModel):
    """Who is calling: a user session (every scope) or an API key (its scopes)."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    scopes: frozenset[Scope]
    session_id: str | None = None
    api_key_id: str | None = None

    @property
    def is_user_session(self) -> bool:
        """True for a bearer session, False for an API key."""
        return self.session_id is not None
