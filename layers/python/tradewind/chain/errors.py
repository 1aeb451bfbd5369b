"""Chain-specific members of the project's exception tree."""

from __future__ import annotations

from typing import Any

from tradewind.errors import Conflict, DependencyUnavailable


class ChainUnavailable(DependencyUnavailable):
    """No RPC endpoint of a chain answered, after retries and failover."""


class TransactionNotConfirmed(DependencyUnavailable):
    """The transaction was not mined or confirmed in time; a retry of the logical id resumes waiting."""


class TransactionRejected(Conflict):
    """A node refused the transaction (bad nonce, underpriced, insufficient funds, reverting)."""

    def __init__(self, detail: str, *, rpc_error: Any = None, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.rpc_error = rpc_error


class FeeCapExceeded(Conflict):
    """The network's fee is above the configured cap: the transaction would not be mined."""
