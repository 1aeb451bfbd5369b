"""Quoter over a scripted transport: packed paths, candidate routes, the best route, price impact, inputs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from eth_abi.abi import decode, encode

from tests.unit.manifests import placeholder, sample_manifest
from tests.unit.memory import InMemoryManifests
from tradewind.chains.batch import EXECUTION_REVERTED, RpcRequest
from tradewind.chains.registry import Chain, ChainRegistry
from tradewind.deployments.manifest import DeploymentManifest, PoolEntry, TokenEntry
from tradewind.errors import DependencyUnavailable, InvalidInput, NotFound
from tradewind.holdings.multicall import selector
from tradewind.prices.models import Price
from tradewind.prices.service import PriceService
from tradewind.trading.models import TradeSide
from tradewind.trading.quotes import (
    Quoter,
    candidate_routes,
    encode_path,
    price_impact,
    route_through,
)
from tradewind.wallets.addresses import to_checksum_address

SINGLE = "(address,address,uint256,uint24,uint160)"
EXACT_IN, EXACT_OUT = TradeSide.EXACT_IN, TradeSide.EXACT_OUT
# TickMath.MIN_SQRT_RATIO + 1: where QuoterV2 stops a zeroForOne swap that found no more liquidity.
MIN_PRICE_LIMIT = 4295128740

TOKENS = {
    "WETH": TokenEntry(symbol="WETH", name="Wrapped Ether", decimals=18, address=placeholder("a")),
    "USDC": TokenEntry(symbol="USDC", name="USD Coin", decimals=6, address=placeholder("b")),
    "WBTC": TokenEntry(symbol="WBTC", name="Wrapped BTC", decimals=8, address=placeholder("c")),
    "LINK": TokenEntry(symbol="LINK", name="ChainLink", decimals=18, address=placeholder("d")),
    "DAI": TokenEntry(symbol="DAI", name="Dai", decimals=18, address=placeholder("e")),
}
BY_ADDRESS = {token.address.lower(): symbol for symbol, token in TOKENS.items()}
POOLS: tuple[tuple[str, str, int], ...] = (
    ("WETH", "USDC", 500),
    ("WETH", "USDC", 3000),
    ("WBTC", "WETH", 3000),
    ("LINK", "WETH", 3000),
    ("WBTC", "USDC", 3000),
    ("DAI", "USDC", 100),
)

RouteKey = tuple[tuple[str, ...], tuple[int, ...]]


@dataclass(frozen=True)
class Answer:
    """The scripted QuoterV2's answer for a route: the other amount, gas, the pools after (call order)."""

    quoted: int
    gas: int = 100_000
    sqrt_prices: tuple[int, ...] = ()
    ticks: tuple[int, ...] = ()


@dataclass
class ScriptedQuoterV2:
    """RpcTransport answering QuoterV2 calls from a table keyed by route (sold first); others revert."""

    answers: dict[RouteKey, Answer]
    batches: list[list[RpcRequest]] = field(default_factory=list)
    malformed: bool = False

    def post(self, url: str, batch: list[RpcRequest]) -> list[dict[str, Any]]:
        self.batches.append(batch)
        return [self._answer(request) for request in batch]

    def _answer(self, request: RpcRequest) -> dict[str, Any]:
        single, key, _ = decode_call(request)
        answer = self.answers.get(key)
        if answer is None:
            # What anvil answers for a call to a pool that does not exist.
            error = {"code": EXECUTION_REVERTED, "message": "execution reverted", "data": "0x"}
            return {"jsonrpc": "2.0", "id": request["id"], "error": error}
        hops = len(key[1])
        sqrt_prices = answer.sqrt_prices or (2**96,) * hops
        ticks = answer.ticks or (0,) * hops
        if self.malformed:
            data = b"\x01"
        elif single:
            data = encode(
                ["uint256", "uint160", "uint32", "uint256"], [answer.quoted, *sqrt_prices, *ticks, answer.gas]
            )
        else:
            data = encode(
                ["uint256", "uint160[]", "uint32[]", "uint256"],
                [answer.quoted, list(sqrt_prices), list(ticks), answer.gas],
            )
        return {"jsonrpc": "2.0", "id": request["id"], "result": "0x" + data.hex()}


def decode_call(request: RpcRequest) -> tuple[bool, RouteKey, bytes]:
    """Whether the eth_call is a single-pool quote, its route in trade order, and the path it sent."""
    data = bytes.fromhex(request["params"][0]["data"].removeprefix("0x"))
    function, body = data[:4], data[4:]
    singles = {selector(f"quoteExactInputSingle({SINGLE})"), selector(f"quoteExactOutputSingle({SINGLE})")}
    if function in singles:
        ((token_in, token_out, _, fee, _),) = decode([SINGLE], body)
        return True, ((BY_ADDRESS[token_in], BY_ADDRESS[token_out]), (fee,)), b""
    path, _ = decode(["bytes", "uint256"], body)
    tokens = tuple(BY_ADDRESS["0x" + path[at : at + 20].hex()] for at in range(0, len(path), 23))
    fees = tuple(int.from_bytes(path[at + 20 : at + 23], "big") for at in range(0, len(path) - 20, 23))
    if function == selector("quoteExactOutput(bytes,uint256)"):
        tokens, fees = tokens[::-1], fees[::-1]
    return False, (tokens, fees), path


def call_amount(request: RpcRequest) -> int:
    """The amount an eth_call of the quoter asks about."""
    single, _, _ = decode_call(request)
    body = bytes.fromhex(request["params"][0]["data"].removeprefix("0x"))[4:]
    if single:
        ((_, _, amount, _, _),) = decode([SINGLE], body)
        return int(amount)
    _, amount = decode(["bytes", "uint256"], body)
    return int(amount)


class StaticSource:
    """A price source with fixed USD prices."""

    def __init__(self, name: str, usd: dict[str, str]) -> None:
        self._name = name
        self.usd = usd

    @property
    def name(self) -> str:
        return self._name

    def quote(self, symbols: Any) -> dict[str, Price]:
        return {
            symbol: Price(symbol=symbol, usd=Decimal(self.usd[symbol]), source=self.name, observed_at=NOW)
            for symbol in symbols
            if symbol in self.usd
        }


NOW = datetime(2025, 1, 1, tzinfo=UTC)
USD = {"WETH": "3000", "USDC": "1", "WBTC": "60000", "LINK": "15", "DAI": "1"}


def manifest(pools: tuple[tuple[str, str, int], ...] = POOLS) -> DeploymentManifest:
    entries = tuple(
        PoolEntry(name=f"{a}/{b}", token0=a, token1=b, fee=fee, tick_spacing=60, address=placeholder("f"))
        for a, b, fee in pools
    )
    return sample_manifest(tuple(TOKENS.values()), vault_defaults=None).model_copy(update={"pools": entries})


def chain() -> Chain:
    return ChainRegistry.select(["local-l1"], {"local-l1": ["http://l1.invalid"]}).get("local-l1")


def quoter(
    transport: ScriptedQuoterV2, *sources: StaticSource, the_manifest: DeploymentManifest | None = None
) -> Quoter:
    prices = PriceService(sources or (StaticSource("oracle", USD),), deviation_bps=100, ttl_s=60)
    return Quoter(InMemoryManifests({"local-l1": the_manifest or manifest()}), transport, prices)


def key(*hops: str | int) -> RouteKey:
    """``key("WBTC", 3000, "WETH", 500, "USDC")``: a route in trade order."""
    return tuple(str(h) for h in hops[::2]), tuple(int(h) for h in hops[1::2])


def test_a_path_packs_each_token_and_fee_and_reverses_for_exact_output() -> None:
    # Given a two-hop route WBTC -3000-> WETH -500-> USDC
    tokens = (TOKENS["WBTC"], TOKENS["WETH"], TOKENS["USDC"])
    # When its paths are encoded
    route = route_through(tokens, (3000, 500))
    # Then the path is 20-byte token, 3-byte fee, ..., and the reversed path runs from USDC back
    assert route.path == "0x" + "cc" * 20 + "000bb8" + "aa" * 20 + "0001f4" + "bb" * 20
    assert route.reversed_path == "0x" + "bb" * 20 + "0001f4" + "aa" * 20 + "000bb8" + "cc" * 20
    assert (route.hops, route.label) == (2, "WBTC -3000-> WETH -500-> USDC")
    assert len(encode_path(route.tokens[:2], (3000,))) == 43
    with pytest.raises(ValueError, match="needs 1 fees"):
        encode_path(route.tokens[:2], (3000, 500))


def test_candidates_are_every_direct_tier_and_two_hops_over_listed_pools_through_each_hub() -> None:
    # Given pools WBTC/WETH 3000, WETH/USDC 500 and 3000, WBTC/USDC 3000, LINK/WETH 3000 and DAI/USDC 100
    listed = manifest()
    # When the candidates to sell WBTC for USDC and WBTC for LINK are built
    to_usdc = candidate_routes(listed, TOKENS["WBTC"], TOKENS["USDC"])
    to_link = candidate_routes(listed, TOKENS["WBTC"], TOKENS["LINK"])
    # Then the direct pool is tried at each standard tier, two hops only through WETH (both legs listed)
    assert [r.label for r in to_usdc] == [
        "WBTC -100-> USDC",
        "WBTC -500-> USDC",
        "WBTC -3000-> USDC",
        "WBTC -10000-> USDC",
        "WBTC -3000-> WETH -500-> USDC",
        "WBTC -3000-> WETH -3000-> USDC",
    ]
    # (no LINK/USDC pool: USDC is no hub for LINK; USDT is not on the chain; DAI pairs with neither)
    assert [r.label for r in to_link][4:] == ["WBTC -3000-> WETH -3000-> LINK"]


def test_a_listed_tier_outside_the_standard_ones_is_tried_too() -> None:
    # Given a WETH/USDC pool at 0.02 % (Base has one)
    listed = manifest((*POOLS, ("WETH", "USDC", 200)))
    # When the direct candidates are built
    fees = [r.fees for r in candidate_routes(listed, TOKENS["WETH"], TOKENS["USDC"])]
    # Then 200 is among them, in order; the hubs are the traded tokens, so there is no two-hop route
    assert fees == [(100,), (200,), (500,), (3000,), (10000,)]


def test_exact_in_picks_the_most_out_over_reverted_candidates_in_one_round_trip() -> None:
    # Given QuoterV2 answering three of the six WBTC -> USDC routes; the others revert (no such pool)
    transport = ScriptedQuoterV2(
        {
            key("WBTC", 3000, "USDC"): Answer(59_000 * 10**6, gas=90_000),
            key("WBTC", 3000, "WETH", 500, "USDC"): Answer(59_500 * 10**6, gas=180_000, ticks=(1, 2)),
            key("WBTC", 3000, "WETH", 3000, "USDC"): Answer(59_400 * 10**6, gas=180_000),
        }
    )
    # When 1 WBTC is quoted
    quote = quoter(transport).quote(chain(), "WBTC", "USDC", Decimal(1), EXACT_IN)
    # Then all six went in one batch, each asked about 1 WBTC in base units
    assert [len(batch) for batch in transport.batches] == [6]
    assert {call_amount(request) for request in transport.batches[0]} == {10**8}
    # And the route through WETH at 0.05 % wins, with its amounts, gas and pools
    assert quote.route.label == "WBTC -3000-> WETH -500-> USDC"
    assert (quote.amount_in, quote.amount_out) == (10**8, 59_500 * 10**6)
    assert (quote.amount_in_units, quote.amount_out_units) == (Decimal(1), Decimal(59_500))
    assert (quote.gas_estimate, quote.ticks_crossed) == (180_000, (1, 2))
    assert (quote.token_in_address, quote.token_out_address) == (
        to_checksum_address(placeholder("c")),
        to_checksum_address(placeholder("b")),
    )
    # And every candidate is reported, the reverted ones as no route with the likely reason
    failures = {c.route.label: c.failure for c in quote.candidates}
    assert failures["WBTC -3000-> WETH -500-> USDC"] is None
    assert (
        failures["WBTC -100-> USDC"]
        == "QuoterV2 reverted: no listed pool WBTC/USDC at 100 (it may not exist)"
    )
    assert sum(c.fill is None for c in quote.candidates) == 3


def test_exact_out_asks_with_the_reversed_path_and_picks_the_least_in() -> None:
    # Given QuoterV2 answering how much WBTC 1,000 LINK out takes, its pools listed from LINK back
    transport = ScriptedQuoterV2(
        {
            key("WBTC", 3000, "WETH", 3000, "LINK"): Answer(
                25_000_000, gas=170_000, sqrt_prices=(7, 9), ticks=(3, 4)
            ),
        }
    )
    # When 1,000 LINK are bought
    quote = quoter(transport).quote(chain(), "WBTC", "LINK", Decimal(1000), EXACT_OUT)
    # Then the two-hop call was quoteExactOutput of the path from LINK back to WBTC, for 1,000 LINK
    (two_hop,) = [r for r in transport.batches[0] if not decode_call(r)[0]]
    data = bytes.fromhex(two_hop["params"][0]["data"].removeprefix("0x"))
    assert data[:4] == selector("quoteExactOutput(bytes,uint256)")
    assert "0x" + decode_call(two_hop)[2].hex() == quote.route.reversed_path
    assert call_amount(two_hop) == 1000 * 10**18
    # And the direct pools were asked with quoteExactOutputSingle, tokenIn still WBTC
    singles = [r for r in transport.batches[0] if decode_call(r)[0]]
    assert {decode_call(r)[1][0] for r in singles} == {("WBTC", "LINK")}
    # And the quote takes 0.25 WBTC for exactly 1,000 LINK, pools reported in route order
    assert (quote.amount_in, quote.amount_out) == (25_000_000, 1000 * 10**18)
    assert (quote.sqrt_prices_x96_after, quote.ticks_crossed) == ((9, 7), (4, 3))


def test_exact_out_prefers_the_route_that_takes_least_and_gas_breaks_ties() -> None:
    # Given two routes taking the same USDC for 1 WETH, the second cheaper in gas, and a dearer third
    transport = ScriptedQuoterV2(
        {
            key("USDC", 500, "WETH"): Answer(3_010 * 10**6, gas=95_000),
            key("USDC", 3000, "WETH"): Answer(3_010 * 10**6, gas=90_000),
            key("USDC", 100, "WETH"): Answer(3_050 * 10**6, gas=80_000),
        }
    )
    # When 1 WETH is bought with USDC
    quote = quoter(transport).quote(chain(), "USDC", "WETH", Decimal(1), EXACT_OUT)
    # Then the cheapest input wins, the cheaper gas among equals
    assert (quote.route.fees, quote.amount_in, quote.gas_estimate) == ((3000,), 3_010 * 10**6, 90_000)


def test_a_route_that_runs_the_pool_dry_is_a_failed_candidate() -> None:
    # Given the 0.05 % pool would stop at the price limit (a partial fill), the 0.3 % one fills everything
    transport = ScriptedQuoterV2(
        {
            key("WETH", 500, "USDC"): Answer(900_000 * 10**6, sqrt_prices=(MIN_PRICE_LIMIT,)),
            key("WETH", 3000, "USDC"): Answer(800_000 * 10**6),
        }
    )
    # When 1,000 WETH are sold
    quote = quoter(transport).quote(chain(), "WETH", "USDC", Decimal(1000), EXACT_IN)
    # Then the bigger but partial fill is not chosen, and says why
    assert quote.route.fees == (3000,)
    dry = next(c for c in quote.candidates if c.route.fees == (500,))
    assert dry.failure == "fills only part of the amount: the pools run out of liquidity"
    assert dry.fill is not None
    assert dry.fill.amount_out == 900_000 * 10**6


def test_no_route_at_all_is_not_found_and_lists_what_was_tried() -> None:
    # Given QuoterV2 reverting every candidate for LINK -> DAI
    transport = ScriptedQuoterV2({})
    # When it is quoted
    with pytest.raises(NotFound) as caught:
        quoter(transport).quote(chain(), "LINK", "DAI", Decimal(5), EXACT_IN)
    # Then the error names the pair and each route's failure
    assert caught.value.detail.startswith("no route from LINK to DAI on local-l1: LINK -100-> DAI: QuoterV2")
    assert "LINK -10000-> DAI" in caught.value.detail


def test_a_quote_of_nothing_is_no_route() -> None:
    # Given the only pool quoting zero out for a dust amount
    transport = ScriptedQuoterV2({key("WETH", 500, "USDC"): Answer(0)})
    # When one wei is quoted
    with pytest.raises(NotFound, match="quotes nothing"):
        quoter(transport).quote(chain(), "WETH", "USDC", Decimal("1e-18"), EXACT_IN)


def test_a_malformed_answer_is_the_chain_misbehaving() -> None:
    # Given a node answering a blob that is not QuoterV2's
    transport = ScriptedQuoterV2({key("WETH", 500, "USDC"): Answer(1)}, malformed=True)
    # When a quote is asked, Then the chain is reported unavailable
    with pytest.raises(DependencyUnavailable, match="malformed QuoterV2 answer for WETH -500-> USDC"):
        quoter(transport).quote(chain(), "WETH", "USDC", Decimal(1), EXACT_IN)


def test_price_impact_compares_the_fill_with_the_usd_mid_price() -> None:
    # Given 1 WETH selling for 2,994 USDC while WETH is worth $3,000 and USDC $1
    transport = ScriptedQuoterV2({key("WETH", 500, "USDC"): Answer(2_994 * 10**6)})
    # When quoted
    quote = quoter(transport).quote(chain(), "WETH", "USDC", Decimal(1), EXACT_IN)
    # Then the mid is 3,000 USDC per WETH and the fill is 20 bps worse
    assert (quote.execution_price, quote.mid_price) == (Decimal(2994), Decimal(3000))
    assert (quote.price_impact_bps, quote.price_impact_unavailable) == (Decimal("20.00"), None)


def test_a_fill_better_than_the_mid_is_a_negative_impact() -> None:
    # Given USD prices that undervalue what is bought: 1 USDC per DAI, yet the pool gives 1.001
    prices = {s: Price(symbol=s, usd=Decimal(u), source="oracle", observed_at=NOW) for s, u in USD.items()}
    # When the impact of that fill is measured
    mid, impact, reason = price_impact("USDC", "DAI", Decimal("1.001"), prices)
    # Then it is -10 bps
    assert (mid, impact, reason) == (Decimal(1), Decimal("-10.00"), None)


def test_an_unpriced_or_flagged_token_leaves_the_impact_unmeasured() -> None:
    # Given LINK unknown to the price service, and then WETH's sources disagreeing by 5 %
    unpriced = StaticSource("oracle", {k: v for k, v in USD.items() if k != "LINK"})
    disagreeing = StaticSource("api", {**USD, "WETH": "3150"})
    transport = ScriptedQuoterV2(
        {
            key("LINK", 3000, "WETH"): Answer(5 * 10**15),
            key("WETH", 500, "USDC"): Answer(2_994 * 10**6),
        }
    )
    # When quotes are asked
    link = quoter(transport, unpriced).quote(chain(), "LINK", "WETH", Decimal(1), EXACT_IN)
    weth = quoter(transport, StaticSource("oracle", USD), disagreeing).quote(
        chain(), "WETH", "USDC", Decimal(1), EXACT_IN
    )
    # Then each quote stands, with no mid price and no impact, and says why
    assert (link.amount_out, link.mid_price, link.price_impact_bps) == (5 * 10**15, None, None)
    assert link.price_impact_unavailable == "no price for LINK"
    assert (weth.mid_price, weth.price_impact_bps) == (None, None)
    assert weth.price_impact_unavailable is not None
    assert weth.price_impact_unavailable.startswith(
        "the price of WETH is flagged: oracle says 3000; api says"
    )


@pytest.mark.parametrize(
    ("sell", "buy", "amount", "field", "message"),
    [
        ("PEPE", "USDC", "1", "sell", "'PEPE' is not a token Tradewind trades on local-l1"),
        ("WETH", "0x" + "9" * 40, "1", "buy", "is not a token Tradewind trades"),
        ("WETH", placeholder("A"), "1", "buy", "cannot trade WETH for itself"),
        ("WETH", "USDC", "0", "amount", "the amount must be a positive number, got 0"),
        ("WETH", "USDC", "-1", "amount", "positive number"),
        ("WETH", "USDC", "NaN", "amount", "positive number"),
        ("USDC", "WETH", "0.0000001", "amount", "0.0000001 has more decimal places than USDC's 6"),
        ("WETH", "USDC", "1e80", "amount", "more than any pool can trade"),
    ],
)
def test_invalid_inputs_name_their_field_and_ask_nothing(
    sell: str, buy: str, amount: str, field: str, message: str
) -> None:
    # Given a quoter
    transport = ScriptedQuoterV2({})
    # When asked about an unknown token, a token for itself (its address, upper case) or a bad amount
    with pytest.raises(InvalidInput, match=message) as caught:
        quoter(transport).quote(chain(), sell, buy, Decimal(amount), EXACT_IN)
    # Then the error names the field and the chain was not asked
    assert caught.value.field == field
    assert transport.batches == []


def test_tokens_may_be_given_by_address() -> None:
    # Given WETH and USDC by their addresses
    transport = ScriptedQuoterV2({key("WETH", 500, "USDC"): Answer(2_994 * 10**6)})
    # When quoted
    quote = quoter(transport).quote(
        chain(), placeholder("a"), placeholder("b").upper().replace("0X", "0x"), Decimal(1), EXACT_IN
    )
    # Then they are the listed tokens
    assert (quote.token_in, quote.token_out, quote.amount_out) == ("WETH", "USDC", 2_994 * 10**6)
