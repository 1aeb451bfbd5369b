"""Access tokens: signature, expiry and type are all checked."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest

from tests.unit.memory import FakeClock
from tradewind.accounts.tokens import AccessTokenIssuer
from tradewind.errors import Unauthenticated

KEY = "k" * 64


def test_round_trip() -> None:
    clock = FakeClock()
    issuer = AccessTokenIssuer(lambda: KEY, ttl=timedelta(minutes=15), clock=clock)
    claims = issuer.verify(issuer.issue("user-1", "session-1"))
    assert (claims.user_id, claims.session_id) == ("user-1", "session-1")
    assert claims.expires_at == clock.now + timedelta(minutes=15)


def test_other_key_expired_and_foreign_tokens_are_rejected() -> None:
    clock = FakeClock()
    issuer = AccessTokenIssuer(lambda: KEY, ttl=timedelta(minutes=15), clock=clock)
    token = issuer.issue("user-1", "session-1")
    with pytest.raises(Unauthenticated):
        AccessTokenIssuer(lambda: "x" * 64, ttl=timedelta(minutes=15), clock=clock).verify(token)
    unsigned = jwt.encode({"sub": "user-1"}, key="", algorithm="none")
    with pytest.raises(Unauthenticated):
        issuer.verify(unsigned)
    clock.advance(15 * 60)
    with pytest.raises(Unauthenticated):
        issuer.verify(token)
