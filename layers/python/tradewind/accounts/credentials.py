"""Password hashing (argon2id), credential policy and opaque secrets with their hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import cache

import email_validator
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from tradewind.errors import InvalidInput

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128

_hasher = PasswordHasher()  # argon2id with the library's RFC 9106 low-memory defaults


@cache
def _dummy_hash() -> str:
    """Verifying against this keeps a login for an unknown email as slow as one with a wrong password.

    Made on first use, not at import: hashing costs tens of milliseconds of cold start.
    """
    return _hasher.hash(secrets.token_urlsafe(16))


def allow_reserved_email_domains(*domains: str) -> None:
    """Accept addresses under reserved names such as ``.local`` (the local cloud's demo account)."""
    for domain in domains:
        if domain in email_validator.SPECIAL_USE_DOMAIN_NAMES:
            email_validator.SPECIAL_USE_DOMAIN_NAMES.remove(domain)


def normalise_email(email: str) -> str:
    """A syntactically valid address, lower-cased, or InvalidInput naming the field."""
    try:
        result = email_validator.validate_email(email, check_deliverability=False)
    except email_validator.EmailNotValidError as e:
        raise InvalidInput(str(e), field="email") from e
    return result.normalized.lower()


def check_password_strength(password: str, email: str) -> None:
    """Reject passwords that are short, overlong, single-class, or the email itself."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"password must have at least {MIN_PASSWORD_LENGTH} characters", field="password")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(f"password must have at most {MAX_PASSWORD_LENGTH} characters", field="password")
    if password.isalpha() or password.isdigit():
        raise InvalidInput("password must mix letters with digits or symbols", field="password")
    if password.lower() in {email.lower(), email.split("@", 1)[0].lower()}:
        raise InvalidInput("password must not be the email address", field="password")


def hash_password(password: str) -> str:
    """An argon2id hash with its parameters and salt."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches; a missing hash still costs one verification."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_secret(prefix: str, identifier: str) -> tuple[str, str]:
    """A bearer secret ``<prefix>_<identifier>.<random>`` and the hash to store for it."""
    secret = f"{prefix}_{identifier}.{secrets.token_urlsafe(32)}"
    return secret, hash_secret(secret)


def parse_secret(secret: str, prefix: str) -> str | None:
    """The identifier embedded in a secret made by ``new_secret``, or None if it is not one."""
    head, dot, _ = secret.partition(".")
    if not dot or not head.startswith(f"{prefix}_"):
        return None
    return head.removeprefix(f"{prefix}_") or None


def hash_secret(secret: str) -> str:
    """SHA-256 of a high-entropy secret (a slow hash adds nothing at 256 bits of randomness)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    """Constant-time comparison of a presented secret with a stored hash."""
    return hmac.compare_digest(hash_secret(secret), stored_hash)
