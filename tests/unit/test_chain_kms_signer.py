"""The KMS signer's pure parts: DER decoding, low-s normalisation and recovery id."""

from __future__ import annotations

import secrets

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
from eth_account import Account
from eth_keys.datatypes import Signature

from tradewind.chain.kms_signer import (
    SECP256K1_N,
    address_from_public_key_der,
    ethereum_signature,
    low_s,
    recovery_id,
)

PRIVATE_VALUE = 0x4C0883A69102937D6231471B5DBB6204FE5129617082792AE468D01A3F362318


@pytest.fixture(scope="module")
def key() -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(PRIVATE_VALUE, ec.SECP256K1())


@pytest.fixture(scope="module")
def address() -> str:
    expected: str = Account.from_key(PRIVATE_VALUE.to_bytes(32, "big")).address
    return expected


def _der_signature(key: ec.EllipticCurvePrivateKey, digest: bytes) -> bytes:
    """What KMS returns for MessageType=DIGEST: DER, over the digest as given, either s."""
    return key.sign(digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))


def test_address_comes_from_the_der_public_key(key: ec.EllipticCurvePrivateKey, address: str) -> None:
    # Given the key's public half as KMS GetPublicKey returns it (DER SubjectPublicKeyInfo)
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    # When the address is derived
    # Then it is the address Ethereum tooling derives from the private key
    assert len(der) == 88
    assert address_from_public_key_der(der) == address


def test_a_p256_key_is_refused() -> None:
    der = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(ValueError, match="secp256k1"):
        address_from_public_key_der(der)


def test_low_s_keeps_low_values_and_mirrors_high_ones() -> None:
    half = SECP256K1_N // 2
    assert low_s(1) == 1
    assert low_s(half) == half
    assert low_s(half + 1) == SECP256K1_N - half - 1
    assert low_s(SECP256K1_N - 1) == 1


def test_signatures_over_random_digests_recover_to_the_signer(
    key: ec.EllipticCurvePrivateKey, address: str
) -> None:
    # Given 64 random digests, each signed twice: as made, and with s mirrored into the high half
    for _ in range(64):
        digest = secrets.token_bytes(32)
        der = _der_signature(key, digest)
        r, s = utils.decode_dss_signature(der)
        high = utils.encode_dss_signature(r, s if s > SECP256K1_N // 2 else SECP256K1_N - s)
        for candidate in (der, high):
            # When each is turned into an Ethereum signature
            v, r_out, s_out = ethereum_signature(candidate, digest, address)
            # Then s is low, r is kept, and the digest itself recovers to the signer
            assert s_out <= SECP256K1_N // 2
            assert r_out == r
            recovered = Signature(vrs=(v, r_out, s_out)).recover_public_key_from_msg_hash(digest)
            assert recovered.to_checksum_address() == address


def test_recovery_fails_for_another_signer(key: ec.EllipticCurvePrivateKey) -> None:
    # Given a signature by the key and some other address
    digest = secrets.token_bytes(32)
    r, s = utils.decode_dss_signature(_der_signature(key, digest))
    stranger = Account.create().address
    # Then no recovery id makes it that address's signature
    with pytest.raises(ValueError, match="does not recover"):
        recovery_id(digest, r, low_s(s), stranger)
