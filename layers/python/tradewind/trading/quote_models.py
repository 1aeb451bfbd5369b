"""What a quote says: the routes tried through Uniswap V3's QuoterV2, the best one, and its price impact."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tradewind.trading.models import TradeSide


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Route(_Frozen):
    """A path through one or more pools, from the token sold to the token bought.

    ``path`` is Uniswap's packed path in that direction (token, fee, token, ...), what
    ``SwapRouter.exactInput`` takes; ``reversed_path`` runs from the token bought back to the one sold,
    what ``exactOutput`` takes.
    """

    tokens: tuple[str, ...] = Field(min_length=2)
    symbols: tuple[str, ...] = Field(min_length=2)
    fees: tuple[int, ...] = Field(min_length=1)
    path: str
    reversed_path: str

    @model_validator(mode="after")
    def _one_fee_per_hop(self) -> Route:
        if not len(self.tokens) == len(self.symbols) == len(self.fees) + 1:
            raise ValueError("a route needs one symbol per token and one fee per hop between them")
        return self

    @property
    def hops(self) -> int:
        """How many pools the route crosses."""
        return len(self.fees)

    @property
    def label(self) -> str:
        """The route as a trader reads it, e.g. ``WBTC -3000-> WETH -3000-> LINK``."""
        steps = [self.symbols[0]]
        for fee, symbol in zip(self.fees, self.symbols[1:], strict=True):
            steps.append(f"-{fee}-> {symbol}")
        return " ".join(steps)


class Fill(_Frozen):
    """What QuoterV2 answered for one route: both amounts, its gas estimate and the pools after."""

    amount_in: int
    amount_out: int
    gas_estimate: int
    # Per pool in route order, as the quoted swap would leave it.
    ticks_crossed: tuple[int, ...]
    sqrt_prices_x96_after: tuple[int, ...]


class Candidate(_Frozen):
    """One route QuoterV2 was asked about: what it would fill, and why it cannot be used if it cannot.

    A candidate can have both: a swap that runs the pools dry fills, but not the amount asked.
    """

    route: Route
    fill: Fill | None = None
    failure: str | None = None


class Quote(_Frozen):
    """The best of the candidate routes for one trade, in base units and in token units.

    ``execution_price`` and ``mid_price`` are both tokens bought per token sold: the first as the
    quote fills, the second from the price service's USD prices. ``price_impact_bps`` is how much
    worse the fill is than the mid price (pool fees included); it is None, with
    ``price_impact_unavailable`` saying why, when either token has no trustworthy price, because a
    trade whose impact cannot be measured must not pass the risk check.
    """

    chain: str
    side: TradeSide
    token_in: str
    token_in_address: str
    token_out: str
    token_out_address: str
    amount_in: int = Field(gt=0)
    amount_out: int = Field(gt=0)
    amount_in_units: Decimal
    amount_out_units: Decimal
    route: Route
    gas_estimate: int
    # Per pool in route order, as the quoted swap would leave it.
    ticks_crossed: tuple[int, ...]
    sqrt_prices_x96_after: tuple[int, ...]
    candidates: tuple[Candidate, ...]
    execution_price: Decimal
    mid_price: Decimal | None = None
    price_impact_bps: Decimal | None = None
    price_impact_unavailable: str | None = None
