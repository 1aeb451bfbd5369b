"""Revert data decoded: ``Error(string)``, ``Panic(uint256)``, or a custom error from an ABI."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from eth_abi.abi import decode
from eth_abi.exceptions import DecodingError
from eth_utils.crypto import keccak
from pydantic import BaseModel, ConfigDict

_BUILTIN = {
    bytes.fromhex("08c379a0"): ("Error(string)", ["string"]),
    bytes.fromhex("4e487b71"): ("Panic(uint256)", ["uint256"]),
}


class RevertInfo(BaseModel):
    """Why a transaction reverted; ``error`` is None when the selector matched nothing known."""

    model_config = ConfigDict(frozen=True)

    data: str
    selector: str | None = None
    error: str | None = None
    args: list[Any] = []
    reason: str | None = None


def _canonical_type(parameter: Mapping[str, Any]) -> str:
    """The ABI type as it appears in a signature, tuples expanded."""
    kind: str = parameter["type"]
    if kind.startswith("tuple"):
        inner = ",".join(_canonical_type(component) for component in parameter["components"])
        return f"({inner}){kind[len('tuple') :]}"
    return kind


def _abi_errors(abi: Sequence[Mapping[str, Any]]) -> dict[bytes, tuple[str, list[str]]]:
    errors: dict[bytes, tuple[str, list[str]]] = {}
    for entry in abi:
        if entry.get("type") != "error":
            continue
        types = [_canonical_type(parameter) for parameter in entry.get("inputs", [])]
        signature = f"{entry['name']}({','.join(types)})"
        errors[keccak(text=signature)[:4]] = (signature, types)
    return errors


def _plain(value: Any) -> Any:
    """ABI values made JSON-friendly (bytes as 0x-hex, tuples as lists)."""
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return value


def decode_revert(data: bytes, abi: Sequence[Mapping[str, Any]] | None = None) -> RevertInfo:
    """Decode revert data against the built-in errors and the ABI's custom errors."""
    if len(data) < 4:
        return RevertInfo(data="0x" + data.hex())
    selector = data[:4]
    known = {**_BUILTIN, **_abi_errors(abi or [])}
    info = RevertInfo(data="0x" + data.hex(), selector="0x" + selector.hex())
    if selector not in known:
        return info
    signature, types = known[selector]
    try:
        args = [_plain(value) for value in decode(types, data[4:])]
    except DecodingError:
        return info
    reason = args[0] if signature == "Error(string)" else None
    return info.model_copy(update={"error": signature, "args": args, "reason": reason})
