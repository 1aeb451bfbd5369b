"""Yields: the measured APY, TVL and deposit gas of the ERC-4626 vaults each chain's manifest lists.

Only the model and the settings are exported here: ``tradewind.yields.reader`` pulls in eth_abi,
which code that only needs the model should not pay for at cold start.
"""

from tradewind.yields.models import VaultYield
from tradewind.yields.settings import YieldSettings

__all__ = ["VaultYield", "YieldSettings"]
