"""The accounts repository on DynamoDB (PynamoDB models stay inside this module)."""

from __future__ import annotations

from datetime import UTC, datetime

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)

from tradewind.accounts.models import (
    ApiKey,
    ApiKeyRecord,
    RefreshTokenRecord,
    Scope,
    SessionFamily,
    UserRecord,
)
from tradewind.errors import Conflict
from tradewind.storage.accounts_table import AccountsTableItem
from tradewind.storage.dynamodb import ConditionFailed, get_item, transaction, translate_errors


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _from_epoch(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


class _UserItem(AccountsTableItem):
    user_id = UnicodeAttribute()
    email = UnicodeAttribute()
    password_hash = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()

    def to_domain(self) -> UserRecord:
        return UserRecord(
            id=self.user_id, email=self.email, password_hash=self.password_hash, created_at=self.created_at
        )


class _EmailClaimItem(AccountsTableItem):
    user_id = UnicodeAttribute()


class _SessionItem(AccountsTableItem):
    session_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    revoked = BooleanAttribute(default=False)

    def to_domain(self) -> SessionFamily:
        return SessionFamily(
            id=self.session_id,
            user_id=self.user_id,
            created_at=self.created_at,
            expires_at=_from_epoch(self.expires_at or 0),
            revoked=self.revoked,
        )


class _RefreshTokenItem(AccountsTableItem):
    token_id = UnicodeAttribute()
    session_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    secret_hash = UnicodeAttribute()
    used = BooleanAttribute(default=False)

    def to_domain(self) -> RefreshTokenRecord:
        return RefreshTokenRecord(
            id=self.token_id,
            family_id=self.session_id,
            user_id=self.user_id,
            secret_hash=self.secret_hash,
            expires_at=_from_epoch(self.expires_at or 0),
            used=self.used,
        )


class _ApiKeyItem(AccountsTableItem):
    """Stored twice: under the owner (for listing) and under the key id (for authentication)."""

    key_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    name = UnicodeAttribute()
    scopes = UnicodeSetAttribute()
    prefix = UnicodeAttribute()
    secret_hash = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()

    def to_domain(self) -> ApiKeyRecord:
        return ApiKeyRecord(
            id=self.key_id,
            user_id=self.user_id,
            name=self.name,
            scopes=frozenset(Scope(scope) for scope in self.scopes),
            prefix=self.prefix,
            secret_hash=self.secret_hash,
            created_at=self.created_at,
        )


class _LoginFailuresItem(AccountsTableItem):
    failures = NumberAttribute(default=0)


def _user_key(user_id: str) -> str:
    return f"USER#{user_id}"


class DynamoAccountsRepository:
    """AccountsRepository on the accounts table."""

    def create_user(self, user: UserRecord) -> None:
        profile = _UserItem(
            _user_key(user.id),
            "PROFILE",
            user_id=user.id,
            email=user.email,
            password_hash=user.password_hash,
            created_at=user.created_at,
        )
        claim = _EmailClaimItem(f"EMAIL#{user.email}", "EMAIL", user_id=user.id)
        try:
            with transaction() as tx:
                tx.save(claim, condition=_EmailClaimItem.pk.does_not_exist())
                tx.save(profile, condition=_UserItem.pk.does_not_exist())
        except ConditionFailed as e:
            raise Conflict("an account with this email already exists") from e

    def get_user(self, user_id: str) -> UserRecord | None:
        item = get_item(_UserItem, _user_key(user_id), "PROFILE")
        return item.to_domain() if item else None

    def find_user_by_email(self, email: str) -> UserRecord | None:
        claim = get_item(_EmailClaimItem, f"EMAIL#{email}", "EMAIL")
        return self.get_user(claim.user_id) if claim else None

    def create_session(self, session: SessionFamily, first_token: RefreshTokenRecord) -> None:
        with transaction() as tx:
            tx.save(self._session_item(session), condition=_SessionItem.pk.does_not_exist())
            tx.save(self._token_item(first_token), condition=_RefreshTokenItem.pk.does_not_exist())

    def get_session(self, session_id: str) -> SessionFamily | None:
        item = get_item(_SessionItem, f"SESSION#{session_id}", "SESSION")
        return item.to_domain() if item else None

    def get_refresh_token(self, token_id: str) -> RefreshTokenRecord | None:
        item = get_item(_RefreshTokenItem, f"REFRESH#{token_id}", "REFRESH")
        return item.to_domain() if item else None

    def rotate_refresh_token(self, used: RefreshTokenRecord, replacement: RefreshTokenRecord) -> bool:
        spent = self._token_item(used)
        session = _SessionItem(f"SESSION#{used.family_id}", "SESSION")
        try:
            with transaction() as tx:
                tx.update(
                    spent,
                    actions=[_RefreshTokenItem.used.set(True)],
                    condition=_RefreshTokenItem.pk.exists() & (_RefreshTokenItem.used == False),  # noqa: E712
                )
                tx.condition_check(
                    _SessionItem,
                    session.pk,
                    session.sk,
                    condition=_SessionItem.revoked == False,  # noqa: E712
                )
                tx.save(self._token_item(replacement), condition=_RefreshTokenItem.pk.does_not_exist())
        except ConditionFailed:
            return False
        return True

    def revoke_session(self, session_id: str) -> None:
        item = _SessionItem(f"SESSION#{session_id}", "SESSION")
        try:
            with translate_errors():
                item.update(actions=[_SessionItem.revoked.set(True)], condition=_SessionItem.pk.exists())
        except ConditionFailed:
            return  # nothing to revoke

    def create_api_key(self, key: ApiKeyRecord) -> None:
        with transaction() as tx:
            tx.save(self._api_key_item(key, _user_key(key.user_id), f"APIKEY#{key.id}"))
            tx.save(
                self._api_key_item(key, f"APIKEY#{key.id}", "APIKEY"),
                condition=_ApiKeyItem.pk.does_not_exist(),
            )

    def list_api_keys(self, user_id: str) -> list[ApiKey]:
        with translate_errors():
            items = _ApiKeyItem.query(
                _user_key(user_id), _ApiKeyItem.sk.startswith("APIKEY#"), consistent_read=True
            )
            records = [item.to_domain() for item in items]
        return [
            ApiKey.model_validate(record.model_dump())
            for record in sorted(records, key=lambda k: k.created_at)
        ]

    def get_api_key(self, key_id: str) -> ApiKeyRecord | None:
        item = get_item(_ApiKeyItem, f"APIKEY#{key_id}", "APIKEY")
        return item.to_domain() if item else None

    def delete_api_key(self, user_id: str, key_id: str) -> bool:
        owned = _ApiKeyItem(_user_key(user_id), f"APIKEY#{key_id}")
        lookup = _ApiKeyItem(f"APIKEY#{key_id}", "APIKEY")
        try:
            with transaction() as tx:
                tx.delete(owned, condition=_ApiKeyItem.pk.exists())
                tx.delete(lookup)
        except ConditionFailed:
            return False
        return True

    def failed_logins(self, email: str, window_start: datetime) -> int:
        item = get_item(_LoginFailuresItem, f"LOGINFAIL#{email}", f"WINDOW#{_epoch(window_start)}")
        return int(item.failures) if item else 0

    def record_failed_login(self, email: str, window_start: datetime, expires_at: datetime) -> int:
        item = _LoginFailuresItem(f"LOGINFAIL#{email}", f"WINDOW#{_epoch(window_start)}")
        with translate_errors():
            item.update(
                actions=[
                    _LoginFailuresItem.failures.add(1),
                    _LoginFailuresItem.expires_at.set(_epoch(expires_at)),
                ]
            )
        return int(item.failures)

    @staticmethod
    def _session_item(session: SessionFamily) -> _SessionItem:
        return _SessionItem(
            f"SESSION#{session.id}",
            "SESSION",
            session_id=session.id,
            user_id=session.user_id,
            created_at=session.created_at,
            revoked=session.revoked,
            expires_at=_epoch(session.expires_at),
        )

    @staticmethod
    def _token_item(token: RefreshTokenRecord) -> _RefreshTokenItem:
        return _RefreshTokenItem(
            f"REFRESH#{token.id}",
            "REFRESH",
            token_id=token.id,
            session_id=token.family_id,
            user_id=token.user_id,
            secret_hash=token.secret_hash,
            used=token.used,
            expires_at=_epoch(token.expires_at),
        )

    @staticmethod
    def _api_key_item(key: ApiKeyRecord, pk: str, sk: str) -> _ApiKeyItem:
        return _ApiKeyItem(
            pk,
            sk,
            key_id=key.id,
            user_id=key.user_id,
            name=key.name,
            scopes={scope.value for scope in key.scopes},
            prefix=key.prefix,
            secret_hash=key.secret_hash,
            created_at=key.created_at,
        )
