"""AccountService rules, on the in-memory repository."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.unit.memory import FakeClock, InMemoryAccountsRepository
from tradewind.accounts.models import Scope
from tradewind.accounts.service import AccountService, LoginThrottle
from tradewind.accounts.tokens import AccessTokenIssuer
from tradewind.errors import Conflict, InvalidInput, NotFound, RateLimited, Unauthenticated

PASSWORD = "correct-horse-1"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def repository() -> InMemoryAccountsRepository:
    return InMemoryAccountsRepository()


@pytest.fixture
def accounts(repository: InMemoryAccountsRepository, clock: FakeClock) -> AccountService:
    issuer = AccessTokenIssuer(lambda: "k" * 64, ttl=timedelta(minutes=15), clock=clock)
    return AccountService(
        repository,
        issuer,
        refresh_ttl=timedelta(days=30),
        throttle=LoginThrottle(max_failures=3, window_s=300),
        clock=clock,
    )


def test_register_normalises_email_and_rejects_duplicates(accounts: AccountService) -> None:
    # Given a registered user
    user = accounts.register("Alice@Example.COM", PASSWORD)
    # Then the email is stored lower-cased, and the same address in another case is a duplicate
    assert user.email == "alice@example.com"
    with pytest.raises(Conflict):
        accounts.register("alice@example.com", PASSWORD)


@pytest.mark.parametrize(
    ("email", "password", "field"),
    [
        ("not-an-email", PASSWORD, "email"),
        ("bob@example.com", "short-1", "password"),
        ("bob@example.com", "onlyletterslong", "password"),
        ("robert@example.com", "Robert@Example.com", "password"),
    ],
)
def test_register_rejects_bad_input_naming_the_field(
    accounts: AccountService, email: str, password: str, field: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        accounts.register(email, password)
    assert raised.value.field == field


def test_wrong_password_and_unknown_email_fail_the_same_way(accounts: AccountService) -> None:
    accounts.register("alice@example.com", PASSWORD)
    with pytest.raises(Unauthenticated) as wrong_password:
        accounts.login("alice@example.com", "wrong-horse-1")
    with pytest.raises(Unauthenticated) as unknown_email:
        accounts.login("nobody@example.com", PASSWORD)
    assert wrong_password.value.detail == unknown_email.value.detail


def test_login_gives_a_session_whose_access_token_authenticates(accounts: AccountService) -> None:
    user = accounts.register("alice@example.com", PASSWORD)
    pair = accounts.login("alice@example.com", PASSWORD)
    principal = accounts.authenticate_bearer(pair.access_token)
    assert principal.user_id == user.id
    assert principal.scopes == frozenset(Scope)
    assert pair.expires_in == 900


def test_access_token_expires(accounts: AccountService, clock: FakeClock) -> None:
    accounts.register("alice@example.com", PASSWORD)
    pair = accounts.login("alice@example.com", PASSWORD)
    clock.advance(901)
    with pytest.raises(Unauthenticated):
        accounts.authenticate_bearer(pair.access_token)


def test_refresh_rotates_and_reuse_revokes_the_family(accounts: AccountService) -> None:
    # Given a session refreshed once
    accounts.register("alice@example.com", PASSWORD)
    first = accounts.login("alice@example.com", PASSWORD)
    second = accounts.refresh(first.refresh_token)
    assert second.refresh_token != first.refresh_token
    # When the spent refresh token is presented again
    with pytest.raises(Unauthenticated):
        accounts.refresh(first.refresh_token)
    # Then every token of that family stops working, the newest one and its access token included
    with pytest.raises(Unauthenticated):
        accounts.refresh(second.refresh_token)
    with pytest.raises(Unauthenticated):
        accounts.authenticate_bearer(second.access_token)


def test_reuse_revokes_only_its_own_family(accounts: AccountService) -> None:
    accounts.register("alice@example.com", PASSWORD)
    laptop = accounts.login("alice@example.com", PASSWORD)
    phone = accounts.login("alice@example.com", PASSWORD)
    accounts.refresh(laptop.refresh_token)
    with pytest.raises(Unauthenticated):
        accounts.refresh(laptop.refresh_token)
    assert accounts.refresh(phone.refresh_token).access_token


def test_logout_ends_the_session(accounts: AccountService) -> None:
    accounts.register("alice@example.com", PASSWORD)
    pair = accounts.login("alice@example.com", PASSWORD)
    accounts.logout(pair.refresh_token)
    with pytest.raises(Unauthenticated):
        accounts.refresh(pair.refresh_token)
    with pytest.raises(Unauthenticated):
        accounts.authenticate_bearer(pair.access_token)


@pytest.mark.parametrize("token", ["", "garbage", "twr_unknown.secret", "twk_abc.def"])
def test_malformed_refresh_tokens_are_unauthenticated(accounts: AccountService, token: str) -> None:
    with pytest.raises(Unauthenticated):
        accounts.refresh(token)


def test_refresh_token_expires_with_its_session(accounts: AccountService, clock: FakeClock) -> None:
    accounts.register("alice@example.com", PASSWORD)
    pair = accounts.login("alice@example.com", PASSWORD)
    clock.advance(timedelta(days=30).total_seconds() + 1)
    with pytest.raises(Unauthenticated):
        accounts.refresh(pair.refresh_token)


def test_failed_logins_are_throttled_per_window(accounts: AccountService, clock: FakeClock) -> None:
    # Given three failed logins inside one window
    accounts.register("alice@example.com", PASSWORD)
    for _ in range(3):
        with pytest.raises(Unauthenticated):
            accounts.login("alice@example.com", "wrong-horse-1")
    # When the right password comes next, it is still refused until the window ends
    with pytest.raises(RateLimited) as limited:
        accounts.login("alice@example.com", PASSWORD)
    assert 1 <= limited.value.retry_after <= 300
    # Then after the window it works
    clock.advance(limited.value.retry_after)
    assert accounts.login("alice@example.com", PASSWORD).access_token


def test_api_key_authenticates_with_its_scopes_only(accounts: AccountService) -> None:
    user = accounts.register("alice@example.com", PASSWORD)
    key = accounts.create_api_key(user.id, "bot", [Scope.READ])
    principal = accounts.authenticate_api_key(key.secret)
    assert principal.user_id == user.id
    assert principal.scopes == frozenset({Scope.READ})
    assert not principal.is_user_session
    assert key.secret.startswith(key.prefix)


def test_api_key_secret_is_stored_only_as_a_hash(
    accounts: AccountService, repository: InMemoryAccountsRepository
) -> None:
    user = accounts.register("alice@example.com", PASSWORD)
    key = accounts.create_api_key(user.id, "bot", [Scope.READ])
    stored = repository.api_keys[key.id]
    assert key.secret not in stored.model_dump_json()
    assert all(key.secret not in listed.model_dump_json() for listed in accounts.list_api_keys(user.id))


def test_tampered_or_deleted_api_keys_fail(accounts: AccountService) -> None:
    user = accounts.register("alice@example.com", PASSWORD)
    key = accounts.create_api_key(user.id, "bot", [Scope.READ, Scope.TRADE])
    with pytest.raises(Unauthenticated):
        accounts.authenticate_api_key(key.secret[:-1] + ("A" if key.secret[-1] != "A" else "B"))
    accounts.delete_api_key(user.id, key.id)
    with pytest.raises(Unauthenticated):
        accounts.authenticate_api_key(key.secret)


def test_a_user_cannot_delete_another_users_key(accounts: AccountService) -> None:
    alice = accounts.register("alice@example.com", PASSWORD)
    mallory = accounts.register("mallory@example.com", PASSWORD)
    key = accounts.create_api_key(alice.id, "bot", [Scope.READ])
    with pytest.raises(NotFound):
        accounts.delete_api_key(mallory.id, key.id)
    assert accounts.authenticate_api_key(key.secret).user_id == alice.id


def test_ensure_user_is_idempotent(accounts: AccountService) -> None:
    first = accounts.ensure_user("demo@example.com", PASSWORD)
    again = accounts.ensure_user("demo@example.com", PASSWORD)
    assert first.id == again.id
