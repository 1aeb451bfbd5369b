"""The pure-Python Keccak-256 against published vectors and pycryptodome's implementation."""

from __future__ import annotations

import random

import pytest
from Crypto.Hash import keccak

from tradewind.crypto.keccak import keccak256


@pytest.mark.parametrize(
    ("message", "digest"),
    [
        (b"", "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"),
        (b"abc", "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"),
        (b"transfer(address,uint256)", "a9059cbb2ab09eb219583f4a59a5d0623ade346d962bcd4e46b11da047c9049b"),
    ],
)
def test_known_digests(message: bytes, digest: str) -> None:
    assert keccak256(message).hex() == digest


@pytest.mark.parametrize("length", [1, 40, 135, 136, 137, 271, 272, 273, 1000])
def test_matches_pycryptodome_across_block_boundaries(length: int) -> None:
    generator = random.Random(length)  # noqa: S311 - reproducible test inputs, not secrets
    for _ in range(10):
        message = generator.randbytes(length)
        assert keccak256(message) == keccak.new(digest_bits=256, data=message).digest()
