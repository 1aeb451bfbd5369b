"""Holdings: native, token and yield-vault balances of a user's addresses, read per chain with Multicall3.

Only the models and the snapshot port are exported here: ``tradewind.holdings.reader`` pulls in
eth_abi (~85 ms of import beside pydantic and httpx), which code that only needs the models should
not pay for.
"""

from tradewind.holdings.models import (
    ChainHoldings,
    HoldingsStatus,
    OwnerHoldings,
    TokenBalance,
    VaultPosition,
)
from tradewind.holdings.snapshots import InMemorySnapshotSource, SnapshotSource

__all__ = [
    "ChainHoldings",
    "HoldingsStatus",
    "InMemorySnapshotSource",
    "OwnerHoldings",
    "SnapshotSource",
    "TokenBalance",
    "VaultPosition",
]
