"""Multicall3 ``aggregate3`` encoding and decoding with eth_abi (no web3), and chunking of large batches."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from eth_abi.abi import decode, encode

from tradewind.crypto.keccak import keccak256

_CALL3 = "(address,bool,bytes)[]"
_RESULT = "(bool,bytes)[]"


@cache
def selector(signature: str) -> bytes:
    """The 4-byte function selector of ``signature``, e.g. ``balanceOf(address)``."""
    return keccak256(signature.encode())[:4]


@dataclass(frozen=True)
class Call:
    """One call inside ``aggregate3``; every call allows failure, so one bad token spoils nothing else."""

    target: str
    data: bytes


@dataclass(frozen=True)
class Result:
    """One ``aggregate3`` result."""

    success: bool
    data: bytes

    def uint(self) -> int | None:
        """The first return word as an unsigned int; None when the call failed or returned no word.

        A call to an address without code "succeeds" with empty data, hence the length check.
        """
        if not self.success or len(self.data) < 32:
            return None
        return int.from_bytes(self.data[:32], "big")


def function_call(target: str, name: str, types: Sequence[str] = (), args: Sequence[object] = ()) -> Call:
    """A call of ``name(types...)`` on ``target`` with ``args`` ABI-encoded."""
    signature = f"{name}({','.join(types)})"
    return Call(target=target, data=selector(signature) + encode(list(types), list(args)))


def encode_aggregate3(calls: Sequence[Call]) -> bytes:
    """Calldata of ``aggregate3(calls)`` with ``allowFailure`` set on every call."""
    payload = [(call.target, True, call.data) for call in calls]
    return selector(f"aggregate3({_CALL3})") + encode([_CALL3], [payload])


def decode_aggregate3(data: bytes) -> list[Result]:
    """The results ``aggregate3`` returned; raises (various eth_abi errors) on a malformed blob."""
    (results,) = decode([_RESULT], data)
    return [Result(success=bool(success), data=bytes(blob)) for success, blob in results]


def chunked(calls: Sequence[Call], size: int) -> list[list[Call]]:
    """``calls`` in consecutive chunks of at most ``size``; each chunk becomes one eth_call."""
    if size < 1:
        raise ValueError(f"chunk size must be positive, got {size}")
    return [list(calls[start : start + size]) for start in range(0, len(calls), size)]
