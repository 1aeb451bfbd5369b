"""Keccak-256 (the pre-standard SHA-3 that Ethereum uses), in pure Python.

Only short inputs are hashed here (an address's 40 hex characters for its EIP-55 checksum).
pycryptodome's implementation costs ~55 ms of import (cffi parses its C declarations); this one
costs nothing to import and well under a millisecond per address.
"""

from __future__ import annotations

_RATE_BYTES = 136  # 1600-bit state minus 2 x 256-bit capacity
_MASK = (1 << 64) - 1
_ROUND_CONSTANTS = (
    0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
    0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
    0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
    0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
    0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
)  # fmt: skip
# Rotation offsets r[x][y] of the rho step, indexed as lane x + 5 * y.
_ROTATIONS = (
    0, 1, 62, 28, 27,
    36, 44, 6, 55, 20,
    3, 10, 43, 25, 39,
    41, 45, 15, 21, 8,
    18, 2, 61, 56, 14,
)  # fmt: skip


def _rotate(lane: int, offset: int) -> int:
    return ((lane << offset) | (lane >> (64 - offset))) & _MASK if offset else lane


def _permute(state: list[int]) -> None:
    """Keccak-f[1600] on 25 little-endian 64-bit lanes, lane (x, y) at index x + 5 * y."""
    for round_constant in _ROUND_CONSTANTS:
        # theta
        columns = [state[x] ^ state[x + 5] ^ state[x + 10] ^ state[x + 15] ^ state[x + 20] for x in range(5)]
        for x in range(5):
            mix = columns[(x - 1) % 5] ^ _rotate(columns[(x + 1) % 5], 1)
            for y in range(0, 25, 5):
                state[x + y] ^= mix
        # rho and pi: lane (x, y) moves to (y, 2x + 3y) after rotating
        moved = [0] * 25
        for x in range(5):
            for y in range(5):
                moved[y + 5 * ((2 * x + 3 * y) % 5)] = _rotate(state[x + 5 * y], _ROTATIONS[x + 5 * y])
        # chi
        for y in range(0, 25, 5):
            row = moved[y : y + 5]
            for x in range(5):
                state[x + y] = row[x] ^ (~row[(x + 1) % 5] & row[(x + 2) % 5])
        # iota
        state[0] ^= round_constant


def keccak256(data: bytes) -> bytes:
    """The 32-byte Keccak-256 digest of ``data`` (original Keccak padding, not FIPS 202's)."""
    padded = bytearray(data)
    padding = _RATE_BYTES - len(padded) % _RATE_BYTES
    padded += b"\x00" * padding
    padded[len(data)] ^= 0x01
    padded[-1] ^= 0x80
    state = [0] * 25
    for offset in range(0, len(padded), _RATE_BYTES):
        block = padded[offset : offset + _RATE_BYTES]
        for lane in range(_RATE_BYTES // 8):
            state[lane] ^= int.from_bytes(block[lane * 8 : lane * 8 + 8], "little")
        _permute(state)
    return b"".join(lane.to_bytes(8, "little") for lane in state[:4])
