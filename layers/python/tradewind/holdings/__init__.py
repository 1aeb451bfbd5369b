"""Holdings: native, token, yield-vault and liquidity positions of a user's addresses, read per chain.

Only the models and the snapshot port are exported here: ``tradewind.holdings.reader`` pulls in
eth_abi (~85 ms of import beside pydantic and httpx), which code that only needs the models should
not pay for.
"""

from tradewind.holdings.models import (
    ChainHoldings,
    HoldingsStatus,
    LiquidityPosition,
    LiquidityToken,
    OwnerHoldings,
    TokenBalance,
    VaultPosition,
)
from tradewind.holdings.snapshots import InMemorySnapshotSource, SnapshotSource

__all__ = [
    "ChainHoldings",
    "HoldingsStatus",
    "InMemorySnapshotSource",
    "LiquidityPosition",
    "LiquidityToken",
    "OwnerHoldings",
    "SnapshotSource",
    "TokenBalance",
    "VaultPosition",
]
