"""USD prices from ordered, cross-checked sources, cached for a short TTL.

The sources live in their own modules (``twap`` imports web3, ``coingecko`` imports httpx) so that
importing this package costs neither; callers import the source they build.
"""

from tradewind.prices.models import Price
from tradewind.prices.service import PriceService, PriceSource
from tradewind.prices.settings import PriceSettings

__all__ = ["Price", "PriceService", "PriceSettings", "PriceSource"]
