"""Portfolio: a user's watched wallets and trading vaults, valued in USD across chains.

Only the models are exported here: the service's factory pulls in the holdings reader (eth_abi),
which the API's import path must not pay for.
"""

from tradewind.portfolio.models import ChainValue, Portfolio, Position, TokenValue

__all__ = ["ChainValue", "Portfolio", "Position", "TokenValue"]
