"""Password hashing, secrets and the address checksum."""

from __future__ import annotations

import pytest

from tradewind.accounts import credentials
from tradewind.errors import InvalidInput
from tradewind.wallets.addresses import validate_address


def test_password_hash_is_argon2id_and_verifies() -> None:
    hashed = credentials.hash_password("correct-horse-1")
    assert hashed.startswith("$argon2id$")
    assert credentials.verify_password(hashed, "correct-horse-1")
    assert not credentials.verify_password(hashed, "correct-horse-2")
    assert not credentials.verify_password(None, "correct-horse-1")
    assert not credentials.verify_password("not-a-hash", "correct-horse-1")


def test_secrets_embed_their_id_and_match_only_their_hash() -> None:
    secret, secret_hash = credentials.new_secret("twk", "abc123")
    assert credentials.parse_secret(secret, "twk") == "abc123"
    assert credentials.parse_secret(secret, "twr") is None
    assert credentials.secret_matches(secret, secret_hash)
    assert not credentials.secret_matches(secret + "x", secret_hash)


# Test vectors from EIP-55.
@pytest.mark.parametrize(
    "checksummed",
    [
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ],
)
def test_eip55_addresses(checksummed: str) -> None:
    assert validate_address(checksummed.lower()) == checksummed
    assert validate_address("0x" + checksummed[2:].upper()) == checksummed
    assert validate_address(checksummed) == checksummed
    first_letter = next(i for i, c in enumerate(checksummed) if i >= 2 and c.isalpha())
    broken = (
        checksummed[:first_letter] + checksummed[first_letter].swapcase() + checksummed[first_letter + 1 :]
    )
    with pytest.raises(InvalidInput, match="checksum"):
        validate_address(broken)


@pytest.mark.parametrize(
    "bad", ["", "0x", "0x123", "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0x" + "g" * 40]
)
def test_malformed_addresses(bad: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        validate_address(bad)
    assert raised.value.field == "address"
