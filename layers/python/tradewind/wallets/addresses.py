"""EVM address validation with the EIP-55 checksum, without importing web3 or eth_utils (cold start)."""

from __future__ import annotations

import re

from tradewind.crypto.keccak import keccak256
from tradewind.errors import InvalidInput

_HEX_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


def to_checksum_address(address: str) -> str:
    """The EIP-55 mixed-case form of a 20-byte hex address."""
    lower = address[2:].lower()
    digest = keccak256(lower.encode()).hex()
    return "0x" + "".join(c.upper() if int(digest[i], 16) >= 8 else c for i, c in enumerate(lower))


def validate_address(address: str, field: str = "address") -> str:
    """The checksummed address; a mixed-case input must already carry a valid checksum.

    ``field`` names the request field in the error, for requests that call the address otherwise.
    """
    if not _HEX_ADDRESS.match(address):
        raise InvalidInput(f"{field} must be 0x followed by 40 hexadecimal digits", field=field)
    body = address[2:]
    checksummed = to_checksum_address(address)
    if body != body.lower() and body != body.upper() and address != checksummed:
        raise InvalidInput(f"{field} has an invalid EIP-55 checksum", field=field)
    return checksummed
