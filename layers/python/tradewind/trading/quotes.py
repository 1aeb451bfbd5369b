"""Quotes from Uniswap V3's QuoterV2: every candidate route asked in one JSON-RPC batch, the best one kept.

Decisions:
- Candidates: the direct pool at every standard fee tier (and any other tier the manifest lists for
  the pair), and two hops through each hub (WETH and the major stablecoins) over the pools the
  manifest lists. Direct pools are asked at every tier because anyone can create a pool, and a
  call to one that does not exist costs a revert, not an error; two-hop routes stay within listed
  pools, or the batch would grow with the square of the tiers for routes that mostly do not exist.
- All candidates go to the node as one batch of ``eth_call`` (QuoterV2 is not a view: it runs the
  swap and reverts with its result, which ``eth_call`` simulates). A candidate whose call reverts
  is "no route" for that candidate, never an error; if every candidate fails, that is NotFound: the
  tokens and amount are valid, there is no market for them on the chain (at that size).
- The best route gives the most out (exact in) or takes the least in (exact out); gas is QuoterV2's
  estimate of the chosen route and breaks ties only, since weighing it needs a gas price this
  step does not have.
- An exact-in quote that pushes a pool to the price limit filled only part of the amount (the pools
  ran out of liquidity in range); it is a failed candidate, not a cheap one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from itertools import product
from typing import Any, Protocol

from eth_abi.abi import decode, encode
from eth_abi.exceptions import DecodingError

from tradewind.chains.batch import Reverted, RpcTransport, call_batch, eth_call
from tradewind.chains.registry import Chain
from tradewind.deployments.manifest import DeploymentManifest, TokenEntry
from tradewind.deployments.registry import ManifestSource
from tradewind.errors import DependencyUnavailable, InvalidInput, NotFound
from tradewind.holdings.multicall import selector
from tradewind.prices.models import Price
from tradewind.trading.models import TradeSide
from tradewind.trading.quote_models import Candidate, Fill, Quote, Route
from tradewind.wallets.addresses import to_checksum_address

# The tiers Uniswap V3 enables on every chain it is deployed to (100 came later, by governance).
STANDARD_FEE_TIERS: tuple[int, ...] = (100, 500, 3000, 10000)
# Where liquidity concentrates on every EVM chain; a hub the manifest does not list is skipped.
HUBS: tuple[str, ...] = ("WETH", "USDC", "USDT", "DAI")
# TickMath's bounds: QuoterV2 swaps with the limit one inside them, so a swap that ends there ran dry.
_PRICE_LIMITS = (4295128739 + 1, 1461446703485210103287273052203988822378723970342 - 1)
# QuoterV2 casts the amount to int256.
_MAX_AMOUNT = 2**255 - 1
_SINGLE_PARAMS = "(address,address,uint256,uint24,uint160)"
_SINGLE_RESULT = ["uint256", "uint160", "uint32", "uint256"]
_PATH_RESULT = ["uint256", "uint160[]", "uint32[]", "uint256"]


class PriceLookup(Protocol):
    """USD prices by symbol (``tradewind.prices.service.PriceService``)."""

    def prices(self, symbols: Iterable[str], *, partial: bool = False) -> dict[str, Price]:
        """Prices of ``symbols``; with ``partial`` those nobody priced are left out."""
        ...


class Quoter:
    """Quotes trades on a chain through its QuoterV2, with price impact against the price service."""

    def __init__(self, manifests: ManifestSource, transport: RpcTransport, prices: PriceLookup) -> None:
        self._manifests = manifests
        self._transport = transport
        self._prices = prices

    def quote(self, chain: Chain, sell: str, buy: str, amount: Decimal, side: TradeSide) -> Quote:
        """The best route to sell ``sell`` for ``buy``; ``amount`` is in token units of the fixed side.

        That is ``sell`` for exact in and ``buy`` for exact out. Tokens are symbols or addresses
        from the chain's manifest. One JSON-RPC round trip to the chain, plus the price service.
        """
        manifest = self._manifests.manifest(chain.key)
        token_in = _token(manifest, sell, "sell")
        token_out = _token(manifest, buy, "buy")
        if token_in.address.lower() == token_out.address.lower():
            raise InvalidInput(f"cannot trade {token_in.symbol} for itself", field="buy")
        fixed = token_in if side is TradeSide.EXACT_IN else token_out
        raw = base_units(amount, fixed)
        routes = candidate_routes(manifest, token_in, token_out)
        requests = [quote_request(manifest.uniswap_v3.quoter_v2, route, side, raw) for route in routes]
        answers = call_batch(self._transport, chain, requests, accept_reverts=True)
        candidates = [
            candidate(manifest, route, answer, side=side, amount=raw, chain_key=chain.key)
            for route, answer in zip(routes, answers, strict=True)
        ]
        chosen = best(candidates, side)
        if chosen is None:
            tried = "; ".join(f"{c.route.label}: {c.failure}" for c in candidates)
            raise NotFound(f"no route from {token_in.symbol} to {token_out.symbol} on {chain.key}: {tried}")
        return self._quote(
            chain, side, token_in=token_in, token_out=token_out, chosen=chosen, candidates=candidates
        )

    def _quote(
        self,
        chain: Chain,
        side: TradeSide,
        *,
        token_in: TokenEntry,
        token_out: TokenEntry,
        chosen: tuple[Route, Fill],
        candidates: Sequence[Candidate],
    ) -> Quote:
        chosen_route, fill = chosen
        units_in = to_units(fill.amount_in, token_in.decimals)
        units_out = to_units(fill.amount_out, token_out.decimals)
        execution = units_out / units_in
        mid, impact, unavailable = self._impact(token_in.symbol, token_out.symbol, execution)
        return Quote(
            chain=chain.key,
            side=side,
            token_in=token_in.symbol,
            token_in_address=to_checksum_address(token_in.address),
            token_out=token_out.symbol,
            token_out_address=to_checksum_address(token_out.address),
            amount_in=fill.amount_in,
            amount_out=fill.amount_out,
            amount_in_units=units_in,
            amount_out_units=units_out,
            route=chosen_route,
            gas_estimate=fill.gas_estimate,
            ticks_crossed=fill.ticks_crossed,
            sqrt_prices_x96_after=fill.sqrt_prices_x96_after,
            candidates=tuple(candidates),
            execution_price=execution,
            mid_price=mid,
            price_impact_bps=impact,
            price_impact_unavailable=unavailable,
        )

    def _impact(
        self, sell: str, buy: str, execution: Decimal
    ) -> tuple[Decimal | None, Decimal | None, str | None]:
        try:
            prices = self._prices.prices([sell, buy], partial=True)
        except DependencyUnavailable as e:
            return None, None, f"no prices: {e.detail}"
        return price_impact(sell, buy, execution, prices)


def price_impact(
    sell: str, buy: str, execution: Decimal, prices: Mapping[str, Price]
) -> tuple[Decimal | None, Decimal | None, str | None]:
    """The mid price (``buy`` per ``sell`` from USD prices), the impact in bps, or why there is none.

    The impact is positive when the fill is worse than the mid price; a price that is missing or
    flagged (its sources disagree) measures nothing, so neither is used.
    """
    for symbol in (sell, buy):
        price = prices.get(symbol)
        if price is None:
            return None, None, f"no price for {symbol}"
        if price.flagged:
            return None, None, f"the price of {symbol} is flagged: {price.detail}"
    mid = prices[sell].usd / prices[buy].usd
    impact = ((mid - execution) / mid * 10_000).quantize(Decimal("0.01"))
    return mid, impact, None


def encode_path(tokens: Sequence[str], fees: Sequence[int]) -> bytes:
    """Uniswap's packed path: 20-byte token, 3-byte fee, 20-byte token, and so on."""
    if len(tokens) != len(fees) + 1:
        raise ValueError(f"a path of {len(tokens)} tokens needs {len(tokens) - 1} fees, got {len(fees)}")
    packed = bytes.fromhex(tokens[0].removeprefix("0x"))
    for fee, token in zip(fees, tokens[1:], strict=True):
        packed += fee.to_bytes(3, "big") + bytes.fromhex(token.removeprefix("0x"))
    return packed


def route_through(tokens: Sequence[TokenEntry], fees: Sequence[int]) -> Route:
    """The route through ``tokens`` (sold first) over pools with ``fees``, with both packed paths."""
    addresses = tuple(to_checksum_address(token.address) for token in tokens)
    return Route(
        tokens=addresses,
        symbols=tuple(token.symbol for token in tokens),
        fees=tuple(fees),
        path="0x" + encode_path(addresses, fees).hex(),
        reversed_path="0x" + encode_path(addresses[::-1], fees[::-1]).hex(),
    )


def candidate_routes(manifest: DeploymentManifest, sell: TokenEntry, buy: TokenEntry) -> list[Route]:
    """Direct routes at every standard or listed tier, then two hops through each hub over listed pools."""
    tiers = _listed_tiers(manifest)
    direct = sorted(set(STANDARD_FEE_TIERS) | set(tiers.get(frozenset((sell.symbol, buy.symbol)), ())))
    routes = [route_through((sell, buy), (fee,)) for fee in direct]
    listed = {token.symbol for token in manifest.tokens}
    for hub in HUBS:
        if hub not in listed or hub in (sell.symbol, buy.symbol):
            continue
        first = tiers.get(frozenset((sell.symbol, hub)), ())
        second = tiers.get(frozenset((hub, buy.symbol)), ())
        routes += [
            route_through((sell, manifest.token(hub), buy), fees)
            for fees in product(sorted(first), sorted(second))
        ]
    return routes


def quote_request(quoter: str, route: Route, side: TradeSide, amount: int) -> tuple[str, list[Any]]:
    """The ``eth_call`` asking QuoterV2 about ``route``: the single-pool form for one hop."""
    exact_in = side is TradeSide.EXACT_IN
    if route.hops == 1:
        name = "quoteExactInputSingle" if exact_in else "quoteExactOutputSingle"
        params = (route.tokens[0], route.tokens[1], amount, route.fees[0], 0)
        data = selector(f"{name}({_SINGLE_PARAMS})") + encode([_SINGLE_PARAMS], [params])
    else:
        name = "quoteExactInput" if exact_in else "quoteExactOutput"
        path = route.path if exact_in else route.reversed_path
        data = selector(f"{name}(bytes,uint256)") + encode(["bytes", "uint256"], [_bytes(path), amount])
    return eth_call(quoter, data, "latest")


def candidate(
    manifest: DeploymentManifest, route: Route, answer: Any, *, side: TradeSide, amount: int, chain_key: str
) -> Candidate:
    """What QuoterV2's ``answer`` says of ``route`` for ``amount`` (in for exact in, out for exact out).

    Raises DependencyUnavailable when the answer is not QuoterV2's: the node misbehaved.
    """
    if isinstance(answer, Reverted):
        return Candidate(route=route, failure=_revert_reason(manifest, route))
    try:
        quoted, sqrt_prices, ticks, gas = _decoded(route, answer)
    except (DecodingError, ValueError, TypeError) as e:
        raise DependencyUnavailable(
            f"malformed QuoterV2 answer for {route.label}: {e}", dependency=f"chain:{chain_key}"
        ) from e
    if side is TradeSide.EXACT_OUT:
        # quoteExactOutput walks the reversed path: its lists run from the token bought back.
        sqrt_prices, ticks = sqrt_prices[::-1], ticks[::-1]
    amount_in, amount_out = (amount, quoted) if side is TradeSide.EXACT_IN else (quoted, amount)
    fill = Fill(
        amount_in=amount_in,
        amount_out=amount_out,
        gas_estimate=gas,
        ticks_crossed=ticks,
        sqrt_prices_x96_after=sqrt_prices,
    )
    failure = None
    if quoted == 0:
        failure = "quotes nothing: the amount is too small to trade"
    elif side is TradeSide.EXACT_IN and any(price in _PRICE_LIMITS for price in sqrt_prices):
        failure = "fills only part of the amount: the pools run out of liquidity"
    return Candidate(route=route, fill=fill, failure=failure)


def best(candidates: Iterable[Candidate], side: TradeSide) -> tuple[Route, Fill] | None:
    """The fill that gives the most (exact in) or takes the least (exact out); less gas breaks ties."""
    usable = [(c.route, c.fill) for c in candidates if c.fill is not None and c.failure is None]
    if not usable:
        return None
    if side is TradeSide.EXACT_IN:
        return min(usable, key=lambda pair: (-pair[1].amount_out, pair[1].gas_estimate))
    return min(usable, key=lambda pair: (pair[1].amount_in, pair[1].gas_estimate))


def base_units(amount: Decimal, token: TokenEntry) -> int:
    """``amount`` token units of ``token`` in base units; InvalidInput unless a positive whole number."""
    if not amount.is_finite() or amount <= 0:
        raise InvalidInput(f"the amount must be a positive number, got {amount}", field="amount")
    raw = amount.scaleb(token.decimals)
    if raw != raw.to_integral_value():
        raise InvalidInput(
            f"{amount:f} has more decimal places than {token.symbol}'s {token.decimals}", field="amount"
        )
    if raw > _MAX_AMOUNT:
        raise InvalidInput(f"{amount} {token.symbol} is more than any pool can trade", field="amount")
    return int(raw)


def to_units(raw: int, decimals: int) -> Decimal:
    """Base units as token units: 50000000 with 6 decimals is 50."""
    return Decimal(raw).scaleb(-decimals)


def _token(manifest: DeploymentManifest, wanted: str, field: str) -> TokenEntry:
    """The manifest's token with symbol or address ``wanted``; InvalidInput naming ``field`` if none."""
    for token in manifest.tokens:
        if wanted in (token.symbol, token.address) or wanted.lower() == token.address.lower():
            return token
    raise InvalidInput(f"{wanted!r} is not a token Tradewind trades on {manifest.chain_key}", field=field)


def _listed_tiers(manifest: DeploymentManifest) -> dict[frozenset[str], list[int]]:
    """The fee tiers of the manifest's pools, by pair of symbols."""
    tiers: dict[frozenset[str], list[int]] = {}
    for pool in manifest.pools:
        tiers.setdefault(frozenset((pool.token0, pool.token1)), []).append(pool.fee)
    return tiers


def _revert_reason(manifest: DeploymentManifest, route: Route) -> str:
    """Why QuoterV2 most likely reverted: a pool that is not listed may not exist at all."""
    tiers = _listed_tiers(manifest)
    unlisted = [
        f"{a}/{b} at {fee}"
        for a, b, fee in zip(route.symbols[:-1], route.symbols[1:], route.fees, strict=True)
        if fee not in tiers.get(frozenset((a, b)), ())
    ]
    if unlisted:
        return f"QuoterV2 reverted: no listed pool {', '.join(unlisted)} (it may not exist)"
    return "QuoterV2 reverted: the pools cannot fill this amount"


def _decoded(route: Route, answer: Any) -> tuple[int, tuple[int, ...], tuple[int, ...], int]:
    """The quoted amount, sqrt prices after, ticks crossed (in the call's path order) and gas estimate."""
    data = _bytes(str(answer))
    if route.hops == 1:
        quoted, sqrt_price, ticks, gas = decode(_SINGLE_RESULT, data)
        return int(quoted), (int(sqrt_price),), (int(ticks),), int(gas)
    quoted, sqrt_prices, tick_list, gas = decode(_PATH_RESULT, data)
    if len(sqrt_prices) != route.hops or len(tick_list) != route.hops:
        raise ValueError(f"{len(sqrt_prices)} prices for {route.hops} pools")
    return int(quoted), tuple(map(int, sqrt_prices)), tuple(map(int, tick_list)), int(gas)


def _bytes(hex_text: str) -> bytes:
    return bytes.fromhex(hex_text.removeprefix("0x"))
