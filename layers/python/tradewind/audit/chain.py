"""The hash chain, pure: canonical JSON, sealing an entry onto a chain, and verifying a chain.

Each entry's hash is SHA-256 over ``prev_hash + canonical JSON of its body`` (every field but the
hash). Canonical JSON has sorted keys, no whitespace, UTF-8 text and decimals as strings, so anyone
can recompute a hash from the entries ``GET /v1/audit`` returns, in any language.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pydantic import JsonValue

from tradewind.audit.models import GENESIS_HASH, AuditEntry, ChainHead, Decision, Tampering, Verification
from tradewind.errors import InvalidInput


def _plain(value: Any, path: str) -> JsonValue:
    """``value`` with decimals and datetimes as strings; floats are refused (binary, not exact)."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, Decimal) and value.is_finite():
        return str(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, Mapping):
        if not all(isinstance(key, str) for key in value):
            raise InvalidInput(f"{path} has a key that is not a string", field=path)
        return {key: _plain(item, f"{path}.{key}") for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item, f"{path}[{i}]") for i, item in enumerate(value)]
    raise InvalidInput(
        f"{path} is a {type(value).__name__}: use a string, integer, boolean, finite Decimal, "
        "aware datetime, list or object",
        field=path,
    )


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, decimals and datetimes as strings: one text per value."""
    return json.dumps(
        _plain(value, "data"), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def normalise(data: Mapping[str, Any]) -> dict[str, JsonValue]:
    """``data`` as it is stored and read back (decimals as strings), so a sealed hash stays valid."""
    plain: dict[str, JsonValue] = json.loads(canonical_json(data))
    return plain


def _body(entry: AuditEntry) -> dict[str, Any]:
    return entry.model_dump(mode="python", exclude={"hash", "prev_hash"})


def entry_hash(entry: AuditEntry) -> str:
    """What ``entry.hash`` must be: SHA-256 over its prev_hash and its canonical body."""
    text = entry.prev_hash + canonical_json(_body(entry))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def seal(decision: Decision, *, user_id: str, head: ChainHead | None, at: datetime) -> AuditEntry:
    """The entry that links ``decision`` after ``head`` (the genesis when the chain is empty)."""
    unsealed = AuditEntry(
        **decision.model_dump(),
        user_id=user_id,
        seq=head.seq + 1 if head else 1,
        at=at,
        prev_hash=head.hash if head else GENESIS_HASH,
        hash=GENESIS_HASH,
    )
    return unsealed.model_copy(update={"hash": entry_hash(unsealed)})


def _failure(checked: int, seq: int, reason: Tampering, detail: str) -> Verification:
    return Verification(ok=False, entries_checked=checked, first_bad_seq=seq, reason=reason, detail=detail)


def _out_of_place(entry: AuditEntry, expected: int, present: set[int], checked: int) -> Verification:
    if entry.seq < expected or expected in present:
        detail = f"sequence {entry.seq} is where {expected} should be"
        return _failure(checked, expected, Tampering.OUT_OF_ORDER, detail)
    return _failure(checked, expected, Tampering.GAP, f"sequence {expected} is missing")


def _head_mismatch(last: AuditEntry | None, head: ChainHead | None, checked: int) -> Verification | None:
    end_seq, end_hash = (last.seq, last.hash) if last else (0, None)
    head_seq, head_hash = (head.seq, head.hash) if head else (0, None)
    if end_seq != head_seq:
        detail = f"the chain ends at sequence {end_seq} but its head records sequence {head_seq}"
        return _failure(checked, min(end_seq, head_seq) + 1, Tampering.HEAD_MISMATCH, detail)
    if end_hash != head_hash:
        detail = f"the hash of sequence {end_seq} is not the one its head records"
        return _failure(checked, end_seq, Tampering.HEAD_MISMATCH, detail)
    return None


def verify_links(entries: Sequence[AuditEntry]) -> Verification:
    """Re-compute the links of entries read in storage order, stopping at the first bad one."""
    present = {entry.seq for entry in entries}
    prev_hash = GENESIS_HASH
    for checked, entry in enumerate(entries, start=1):
        if entry.seq != checked:
            return _out_of_place(entry, checked, present, checked)
        if entry_hash(entry) != entry.hash:
            detail = "the entry's content does not match its hash"
            return _failure(checked, entry.seq, Tampering.ALTERED, detail)
        if entry.prev_hash != prev_hash:
            detail = f"prev_hash is not the hash of sequence {entry.seq - 1}"
            return _failure(checked, entry.seq, Tampering.BROKEN_LINK, detail)
        prev_hash = entry.hash
    return Verification(ok=True, entries_checked=len(entries))


def verify(entries: Iterable[AuditEntry], head: ChainHead | None) -> Verification:
    """Verify the links, then that the chain ends where its head says.

    Without the head check, deleting the newest entries (or rewriting them with fresh hashes)
    would go unseen.
    """
    chain = list(entries)
    links = verify_links(chain)
    if not links.ok:
        return links
    return _head_mismatch(chain[-1] if chain else None, head, len(chain)) or links
