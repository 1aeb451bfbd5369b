"""Short-lived JWT access tokens, signed with HS256 by a key from the secret store."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

import jwt
from pydantic import BaseModel

from tradewind.errors import Unauthenticated

_ALGORITHM = "HS256"
_ISSUER = "tradewind"
_ACCESS = "access"


class AccessClaims(BaseModel):
    """The claims of a valid access token."""

    user_id: str
    session_id: str
    expires_at: datetime


class AccessTokenIssuer:
    """Issues and verifies access tokens; the key is fetched (and cached) by ``signing_key``."""

    def __init__(self, signing_key: Callable[[], str], ttl: timedelta, clock: Callable[[], datetime]) -> None:
        self._signing_key = signing_key
        self._ttl = ttl
        self._clock = clock

    @property
    def ttl_seconds(self) -> int:
        """Lifetime of a new token in seconds."""
        return int(self._ttl.total_seconds())

    def issue(self, user_id: str, session_id: str) -> str:
        """A signed token for this user and session."""
        now = self._clock()
        claims = {
            "iss": _ISSUER,
            "sub": user_id,
            "sid": session_id,
            "typ": _ACCESS,
            "jti": uuid.uuid4().hex,
            "iat": int(now.timestamp()),
            "exp": int((now + self._ttl).timestamp()),
        }
        return jwt.encode(claims, self._signing_key(), algorithm=_ALGORITHM)

    def verify(self, token: str) -> AccessClaims:
        """The claims of a valid, unexpired access token, or Unauthenticated."""
        try:
            claims = jwt.decode(
                token,
                self._signing_key(),
                algorithms=[_ALGORITHM],
                issuer=_ISSUER,
                # Expiry is checked against the injected clock below, not the wall clock.
                options={
                    "require": ["exp", "iat", "sub", "sid", "typ"],
                    "verify_exp": False,
                    "verify_iat": False,
                },
            )
        except jwt.PyJWTError as e:
            raise Unauthenticated("the access token is invalid or expired") from e
        if claims["typ"] != _ACCESS:
            raise Unauthenticated("the access token is invalid or expired")
        expires_at = datetime.fromtimestamp(claims["exp"], tz=self._clock().tzinfo)
        if expires_at <= self._clock():
            raise Unauthenticated("the access token is invalid or expired")
        return AccessClaims(user_id=claims["sub"], session_id=claims["sid"], expires_at=expires_at)
