"""An Ethereum signer whose key never leaves AWS KMS (ECC_SECG_P256K1, ECDSA_SHA_256 over digests).

KMS returns DER signatures with either s; Ethereum needs (r, low s) and a recovery id, found by
trying both and recovering the address we derived from the key's public half.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from eth_account.typed_transactions.typed_transaction import TypedTransaction
from eth_keys.datatypes import Signature
from eth_keys.exceptions import BadSignature
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from tradewind.errors import DependencyUnavailable

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
DEPENDENCY = "kms"


def address_from_public_key_der(der: bytes) -> str:
    """The checksummed address of a DER SubjectPublicKeyInfo secp256k1 key."""
    public_key = serialization.load_der_public_key(der)
    if not isinstance(public_key, ec.EllipticCurvePublicKey) or public_key.curve.name != "secp256k1":
        raise ValueError("not a secp256k1 public key")
    point = public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return to_checksum_address(keccak(point[1:])[-20:])


def low_s(s: int) -> int:
    """s in the lower half of the curve order (EIP-2: the upper half is not accepted)."""
    return SECP256K1_N - s if s > SECP256K1_N // 2 else s


def recovery_id(digest: bytes, r: int, s: int, address: str) -> int:
    """The v in {0, 1} whose recovered signer is ``address``."""
    for v in (0, 1):
        try:
            recovered = Signature(vrs=(v, r, s)).recover_public_key_from_msg_hash(digest)
        except BadSignature:
            continue
        if recovered.to_checksum_address() == address:
            return v
    raise ValueError("the signature does not recover to the signer's address")


def ethereum_signature(der_signature: bytes, digest: bytes, address: str) -> tuple[int, int, int]:
    """(v, r, s) for Ethereum from a DER ECDSA signature over ``digest`` by ``address``'s key."""
    r, s = decode_dss_signature(der_signature)
    s = low_s(s)
    return recovery_id(digest, r, s, address), r, s


class KmsSigner:
    """Signs digests and EIP-1559 transactions with a KMS key; the address is read once, lazily."""

    def __init__(self, kms_client: Any, key_id: str) -> None:
        self._kms = kms_client
        self.key_id = key_id
        self._address: str | None = None

    @property
    def address(self) -> str:
        """The key's Ethereum address (checksummed)."""
        if self._address is None:
            try:
                der = self._kms.get_public_key(KeyId=self.key_id)["PublicKey"]
            except (ClientError, BotoCoreError) as e:
                raise DependencyUnavailable(f"KMS GetPublicKey failed: {e}", dependency=DEPENDENCY) from e
            self._address = address_from_public_key_der(der)
        return self._address

    def sign_digest(self, digest: bytes) -> tuple[int, int, int]:
        """(v, r, s) over a 32-byte digest, v in {0, 1} and s low."""
        if len(digest) != 32:
            raise ValueError("a digest is 32 bytes")
        address = self.address
        try:
            answer = self._kms.sign(
                KeyId=self.key_id,
                Message=digest,
                MessageType="DIGEST",
                SigningAlgorithm="ECDSA_SHA_256",
            )
        except (ClientError, BotoCoreError) as e:
            raise DependencyUnavailable(f"KMS Sign failed: {e}", dependency=DEPENDENCY) from e
        return ethereum_signature(answer["Signature"], digest, address)

    def sign_transaction(self, tx: dict[str, Any]) -> bytes:
        """The raw signed EIP-1559 transaction (type 2 envelope) for an unsigned transaction dict."""
        digest = TypedTransaction.from_dict(tx).hash()
        v, r, s = self.sign_digest(digest)
        signed: bytes = TypedTransaction.from_dict({**tx, "v": v, "r": r, "s": s}).encode()
        return signed
