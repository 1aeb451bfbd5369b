"""Make the emulator's KMS honour ``MessageType=DIGEST`` for Sign and Verify on ECC keys.

moto gap (5.2.5): ``KmsResponse.sign``/``verify`` read ``MessageType`` but never pass it to the
backend, and ``ECDSAPrivateKey`` always hashes the message with the algorithm's hash again, so a
keccak digest is signed as sha256(digest). Real KMS signs a DIGEST as given. The response methods
are wrapped to carry MessageType (in a context variable, per request thread) down to the key,
which then signs and verifies the 32 bytes prehashed.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils
from moto.kms.exceptions import ValidationException
from moto.kms.responses import KmsResponse
from moto.kms.utils import ECDSAPrivateKey

_HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "ECDSA_SHA_256": hashes.SHA256,
    "ECDSA_SHA_384": hashes.SHA384,
    "ECDSA_SHA_512": hashes.SHA512,
}
_message_type: contextvars.ContextVar[str] = contextvars.ContextVar("kms_message_type", default="RAW")
_originals: dict[tuple[type, str], Any] = {}


def _prehashed(message: bytes, signing_algorithm: str) -> ec.ECDSA:
    """The ECDSA scheme for a digest, after the length check real KMS makes."""
    algorithm = _HASHES[signing_algorithm]()
    if len(message) != algorithm.digest_size:
        raise ValidationException(
            f"Digest is invalid length for algorithm {signing_algorithm}: "
            f"expected {algorithm.digest_size} bytes, got {len(message)}"
        )
    return ec.ECDSA(utils.Prehashed(algorithm))


def _carry_message_type(method: Callable[[KmsResponse], str]) -> Callable[[KmsResponse], str]:
    @functools.wraps(method)
    def wrapper(self: KmsResponse) -> str:
        token = _message_type.set(self._get_param("MessageType") or "RAW")
        try:
            return method(self)
        finally:
            _message_type.reset(token)

    return wrapper


def _sign(self: ECDSAPrivateKey, message: bytes, signing_algorithm: str) -> bytes:
    if _message_type.get() != "DIGEST":
        signed: bytes = _originals[(ECDSAPrivateKey, "sign")](self, message, signing_algorithm)
        return signed
    return self.private_key.sign(message, _prehashed(message, signing_algorithm))


def _verify(self: ECDSAPrivateKey, message: bytes, signature: bytes, signing_algorithm: str) -> bool:
    if _message_type.get() != "DIGEST":
        valid: bool = _originals[(ECDSAPrivateKey, "verify")](self, message, signature, signing_algorithm)
        return valid
    try:
        self.private_key.public_key().verify(signature, message, _prehashed(message, signing_algorithm))
    except InvalidSignature:
        return False
    return True


def install() -> None:
    """Patch moto's KMS so DIGEST messages are signed and verified as given; idempotent."""
    if _originals:
        return
    replacements: dict[tuple[type, str], Any] = {
        (KmsResponse, "sign"): _carry_message_type(KmsResponse.sign),
        (KmsResponse, "verify"): _carry_message_type(KmsResponse.verify),
        (ECDSAPrivateKey, "sign"): _sign,
        (ECDSAPrivateKey, "verify"): _verify,
    }
    for (owner, name), replacement in replacements.items():
        _originals[(owner, name)] = getattr(owner, name)
        setattr(owner, name, replacement)


def uninstall() -> None:
    """Put moto's own methods back; idempotent."""
    for (owner, name), original in _originals.items():
        setattr(owner, name, original)
    _originals.clear()
