"""Nonces for one signer on one chain, safe under concurrent Lambda invocations.

One counter item per (chain id, address). ``reserve`` is an atomic conditional increment, so
concurrent callers never get the same nonce and never retry against each other; the counter is
created from the node's pending count the first time (a conditional put, so one creator wins).
"""

from __future__ import annotations

from typing import Protocol

from pynamodb.attributes import NumberAttribute

from tradewind.chain.table import ChainTableItem
from tradewind.errors import Conflict
from tradewind.storage.dynamodb import ConditionFailed, translate_errors


class PendingCountSource(Protocol):
    """The chain's view of a sender's nonce (ChainClient)."""

    def pending_nonce(self, address: str) -> int:
        """``eth_getTransactionCount(address, "pending")``."""
        ...


class _NonceItem(ChainTableItem):
    next_nonce = NumberAttribute()


class NonceManager:
    """Hands out, gives back and repairs the nonces of ``address`` on ``chain_id``."""

    def __init__(self, chain: PendingCountSource, chain_id: int, address: str, attempts: int = 20) -> None:
        self._chain = chain
        self._address = address
        self._attempts = attempts
        self._pk = f"NONCE#{chain_id}#{address.lower()}"

    def _key(self) -> _NonceItem:
        return _NonceItem(self._pk, "NONCE")

    def reserve(self) -> int:
        """The next nonce, never handed out twice."""
        for _ in range(self._attempts):
            item = self._key()
            try:
                with translate_errors():
                    item.update(actions=[_NonceItem.next_nonce.add(1)], condition=_NonceItem.pk.exists())
                return int(item.next_nonce) - 1
            except ConditionFailed:
                self._initialise()
        raise Conflict(f"could not reserve a nonce for {self._address}")

    def _initialise(self) -> None:
        """Create the counter at the node's pending count; losing the race to another creator is fine."""
        item = self._key()
        item.next_nonce = self._chain.pending_nonce(self._address)
        try:
            with translate_errors():
                item.save(condition=_NonceItem.pk.does_not_exist())
        except ConditionFailed:
            return

    def peek(self) -> int | None:
        """The next nonce that would be handed out, None before the first reservation."""
        with translate_errors():
            try:
                return int(_NonceItem.get(self._pk, "NONCE", consistent_read=True).next_nonce)
            except _NonceItem.DoesNotExist:
                return None

    def release(self, nonce: int) -> bool:
        """Give back a nonce that was never broadcast; only possible while it is the latest handed out."""
        try:
            with translate_errors():
                self._key().update(
                    actions=[_NonceItem.next_nonce.set(nonce)], condition=_NonceItem.next_nonce == nonce + 1
                )
        except ConditionFailed:
            return False
        return True

    def repair(self) -> int | None:
        """Close a gap: when the counter is ahead of the node's pending count, reset it to that count.

        Only safe when no reservation is in flight (a reserved nonce not yet broadcast looks like a
        gap); callers run it after a failed send, or from a scheduled check. Returns the new value
        when it was reset.
        """
        for _ in range(self._attempts):
            stored = self.peek()
            pending = self._chain.pending_nonce(self._address)
            if stored is None or stored <= pending:
                return None
            try:
                with translate_errors():
                    self._key().update(
                        actions=[_NonceItem.next_nonce.set(pending)],
                        condition=_NonceItem.next_nonce == stored,
                    )
            except ConditionFailed:
                continue
            return pending
        raise Conflict(f"could not repair the nonce counter of {self._address}")
