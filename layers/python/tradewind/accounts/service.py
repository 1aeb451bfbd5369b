"""The accounts use cases: register, log in, rotate and revoke sessions, API keys, authentication."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import NoReturn

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, Field

from tradewind.accounts import credentials
from tradewind.accounts.models import (
    ApiKey,
    ApiKeyRecord,
    NewApiKey,
    Principal,
    RefreshTokenRecord,
    Scope,
    SessionFamily,
    TokenPair,
    User,
    UserRecord,
)
from tradewind.accounts.repository import AccountsRepository
from tradewind.accounts.tokens import AccessTokenIssuer
from tradewind.errors import Conflict, InvalidInput, NotFound, RateLimited, Unauthenticated
from tradewind.observability import logger, metrics

REFRESH_PREFIX = "twr"
API_KEY_PREFIX = "twk"
_BAD_LOGIN = "email or password is incorrect"
_BAD_REFRESH = "the refresh token is invalid, expired or already used"


class LoginThrottle(BaseModel):
    """At most ``max_failures`` failed logins per email in each fixed window of ``window_s``."""

    max_failures: int = Field(gt=0)
    window_s: int = Field(gt=0)


def _new_id() -> str:
    return uuid.uuid4().hex


class AccountService:
    """Everything about who a caller is."""

    def __init__(
        self,
        repository: AccountsRepository,
        access_tokens: AccessTokenIssuer,
        refresh_ttl: timedelta,
        throttle: LoginThrottle,
        clock: Callable[[], datetime],
    ) -> None:
        self._repository = repository
        self._access_tokens = access_tokens
        self._refresh_ttl = refresh_ttl
        self._throttle = throttle
        self._clock = clock

    def register(self, email: str, password: str) -> User:
        """Create an account; Conflict when the email is taken, InvalidInput for a bad email or password."""
        normalised = credentials.normalise_email(email)
        credentials.check_password_strength(password, normalised)
        record = UserRecord(
            id=_new_id(),
            email=normalised,
            password_hash=credentials.hash_password(password),
            created_at=self._clock(),
        )
        self._repository.create_user(record)
        logger.info("user registered", extra={"user_id": record.id})
        metrics.add_metric(name="UserRegistered", unit=MetricUnit.Count, value=1)
        return User.model_validate(record.model_dump())

    def ensure_user(self, email: str, password: str) -> User:
        """Register the account unless it exists (used to seed the local demo account)."""
        try:
            return self.register(email, password)
        except Conflict:
            existing = self._repository.find_user_by_email(credentials.normalise_email(email))
            if existing is None:  # claimed by a registration that failed half-way: not ours to repair
                raise
            return User.model_validate(existing.model_dump())

    def login(self, email: str, password: str) -> TokenPair:
        """A new session for valid credentials; Unauthenticated otherwise, RateLimited when throttled."""
        try:
            normalised = credentials.normalise_email(email)
        except InvalidInput as e:
            raise Unauthenticated(_BAD_LOGIN) from e
        window_start, window_end = self._throttle_window()
        if self._repository.failed_logins(normalised, window_start) >= self._throttle.max_failures:
            metrics.add_metric(name="LoginThrottled", unit=MetricUnit.Count, value=1)
            raise RateLimited(
                "too many failed logins; try again later", retry_after=self._seconds_until(window_end)
            )
        user = self._repository.find_user_by_email(normalised)
        if not credentials.verify_password(user.password_hash if user else None, password) or user is None:
            self._repository.record_failed_login(normalised, window_start, window_end)
            metrics.add_metric(name="LoginFailed", unit=MetricUnit.Count, value=1)
            raise Unauthenticated(_BAD_LOGIN)
        metrics.add_metric(name="LoginSucceeded", unit=MetricUnit.Count, value=1)
        return self._start_session(user.id)

    def refresh(self, refresh_token: str) -> TokenPair:
        """Rotate a refresh token; reusing a spent one revokes its whole session."""
        token = self._valid_refresh_token(refresh_token)
        session = self._repository.get_session(token.family_id)
        if session is None or session.revoked or session.expires_at <= self._clock():
            raise Unauthenticated(_BAD_REFRESH)
        if token.used:
            self._revoke_for_reuse(token)
        replacement, secret = self._mint_refresh_token(token.user_id, session)
        if not self._repository.rotate_refresh_token(token, replacement):
            # Lost a race with another use of the same token: that is reuse as well.
            self._revoke_for_reuse(token)
        return self._pair(token.user_id, session.id, secret)

    def logout(self, refresh_token: str) -> None:
        """Revoke the session the refresh token belongs to."""
        token = self._valid_refresh_token(refresh_token)
        self._repository.revoke_session(token.family_id)

    def authenticate_bearer(self, access_token: str) -> Principal:
        """The principal of a valid access token whose session is still live."""
        claims = self._access_tokens.verify(access_token)
        session = self._repository.get_session(claims.session_id)
        if session is None or session.revoked or session.user_id != claims.user_id:
            raise Unauthenticated("the session has ended")
        return Principal(user_id=claims.user_id, scopes=frozenset(Scope), session_id=session.id)

    def authenticate_api_key(self, secret: str) -> Principal:
        """The principal of a valid API key secret."""
        key_id = credentials.parse_secret(secret, API_KEY_PREFIX)
        key = self._repository.get_api_key(key_id) if key_id else None
        if key is None or not credentials.secret_matches(secret, key.secret_hash):
            raise Unauthenticated("the API key is invalid")
        return Principal(user_id=key.user_id, scopes=key.scopes, api_key_id=key.id)

    def get_user(self, user_id: str) -> User:
        """The user's profile."""
        record = self._repository.get_user(user_id)
        if record is None:
            raise NotFound("user not found")
        return User.model_validate(record.model_dump())

    def create_api_key(self, user_id: str, name: str, scopes: Iterable[Scope]) -> NewApiKey:
        """A new key; its secret is returned here once and only its hash is kept."""
        key_id = _new_id()
        secret, secret_hash = credentials.new_secret(API_KEY_PREFIX, key_id)
        record = ApiKeyRecord(
            id=key_id,
            user_id=user_id,
            name=name,
            scopes=frozenset(scopes),
            prefix=secret[:12],
            secret_hash=secret_hash,
            created_at=self._clock(),
        )
        self._repository.create_api_key(record)
        logger.info("api key created", extra={"user_id": user_id, "api_key_id": key_id})
        metrics.add_metric(name="ApiKeyCreated", unit=MetricUnit.Count, value=1)
        return NewApiKey(**ApiKey.model_validate(record.model_dump()).model_dump(), secret=secret)

    def list_api_keys(self, user_id: str) -> list[ApiKey]:
        """The user's keys, without secrets."""
        return self._repository.list_api_keys(user_id)

    def delete_api_key(self, user_id: str, key_id: str) -> None:
        """Delete one of the user's keys; NotFound for anyone else's."""
        if not self._repository.delete_api_key(user_id, key_id):
            raise NotFound("API key not found")

    def _start_session(self, user_id: str) -> TokenPair:
        now = self._clock()
        session = SessionFamily(
            id=_new_id(), user_id=user_id, created_at=now, expires_at=now + self._refresh_ttl
        )
        first, secret = self._mint_refresh_token(user_id, session)
        self._repository.create_session(session, first)
        return self._pair(user_id, session.id, secret)

    def _mint_refresh_token(self, user_id: str, session: SessionFamily) -> tuple[RefreshTokenRecord, str]:
        token_id = _new_id()
        secret, secret_hash = credentials.new_secret(REFRESH_PREFIX, token_id)
        # A rotated token never outlives the session it belongs to.
        expires_at = min(self._clock() + self._refresh_ttl, session.expires_at)
        record = RefreshTokenRecord(
            id=token_id, family_id=session.id, user_id=user_id, secret_hash=secret_hash, expires_at=expires_at
        )
        return record, secret

    def _valid_refresh_token(self, secret: str) -> RefreshTokenRecord:
        token_id = credentials.parse_secret(secret, REFRESH_PREFIX)
        token = self._repository.get_refresh_token(token_id) if token_id else None
        if token is None or not credentials.secret_matches(secret, token.secret_hash):
            raise Unauthenticated(_BAD_REFRESH)
        if token.expires_at <= self._clock():
            raise Unauthenticated(_BAD_REFRESH)
        return token

    def _revoke_for_reuse(self, token: RefreshTokenRecord) -> NoReturn:
        self._repository.revoke_session(token.family_id)
        metrics.add_metric(name="RefreshTokenReused", unit=MetricUnit.Count, value=1)
        logger.warning(
            "refresh token reused; session revoked",
            extra={"user_id": token.user_id, "session_id": token.family_id},
        )
        raise Unauthenticated(_BAD_REFRESH)

    def _pair(self, user_id: str, session_id: str, refresh_secret: str) -> TokenPair:
        return TokenPair(
            access_token=self._access_tokens.issue(user_id, session_id),
            refresh_token=refresh_secret,
            expires_in=self._access_tokens.ttl_seconds,
        )

    def _throttle_window(self) -> tuple[datetime, datetime]:
        now = self._clock()
        start_epoch = int(now.timestamp()) // self._throttle.window_s * self._throttle.window_s
        start = datetime.fromtimestamp(start_epoch, tz=now.tzinfo)
        return start, start + timedelta(seconds=self._throttle.window_s)

    def _seconds_until(self, moment: datetime) -> int:
        return max(1, int((moment - self._clock()).total_seconds() + 0.999))
