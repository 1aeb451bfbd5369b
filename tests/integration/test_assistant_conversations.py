"""The offline engine's conversation suite on the local cloud: single and multi-turn cases through
``POST /v1/chat``, each checking the intent, the tools called and the key numbers of the reply
against the local cloud's real portfolio, prices, market history and trades (read through the API).

Every reply of every case must also pass the grounding check (no figure without a tool behind it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_DOWN, Decimal, localcontext
from typing import Any

import pytest
from fastapi.testclient import TestClient
from web3 import HTTPProvider, Web3
from web3.types import RPCEndpoint

from localcloud import LocalCloud
from localcloud.market import artifacts
from localcloud.market.funding import fund
from tests.support.trades import ANVIL_KEY_1, Trader, address_of, open_trader, rpc_url
from tradewind.clock import utc_now
from tradewind.prices.history import DynamoPriceHistory
from tradewind.prices.models import Price
from tradewind.yields.reader import SECONDS_PER_YEAR, measured_shares

pytestmark = pytest.mark.integration

PROFILE = {
    "max_trade_usd": "20000",
    "max_daily_usd": "100000",
    # A recommended 15,000 USD rebalance moves the local pools by about 1.5 %.
    "max_price_impact_bps": 500,
    "automation": {"auto_approve": True, "auto_approve_max_usd": "20000", "auto_approve_tokens": []},
}
HELD = ("WETH", "USDC", "WBTC", "DAI")
# Away from the even split the vaults are funded with, so that rebalancing trades are recommended.
TARGET = {"WETH": "40", "USDC": "30", "WBTC": "20", "DAI": "10"}
LOCAL_LOOKBACK_BLOCKS = 60  # the local stage's TRADEWIND_YIELD_LOOKBACK_BLOCKS
HISTORY_SYMBOLS = ("ETH", "WETH", "USDC", "WBTC", "DAI", "LINK")
# An hourly series over the last week: a gentle wave around the current price, so every analysis
# figure (volatility, trend, drawdown, RSI) exists.
WAVE = (Decimal("0.98"), Decimal("1.01"), Decimal("0.99"), Decimal("1.02"), Decimal("0.97"), Decimal("1.00"))


@dataclass
class World:
    client: TestClient
    trader: Trader
    l2_vault: dict[str, Any]

    def get(self, path: str, **params: Any) -> Any:
        response = self.client.get(path, params=params, headers=self.trader.session)
        assert response.status_code == 200, response.text
        return response.json()

    def chat(self, message: str, conversation_id: str | None = None) -> dict[str, Any]:
        body = {"message": message} | ({"conversation_id": conversation_id} if conversation_id else {})
        response = self.client.post("/v1/chat", json=body, headers=self.trader.session)
        assert response.status_code == 200, response.text
        reply: dict[str, Any] = response.json()
        return reply

    def tools_of(self, reply: dict[str, Any]) -> list[str]:
        turns = self.get(f"/v1/conversations/{reply['conversation_id']}")["turns"]
        return [call["name"] for call in turns[reply["turn"]]["tool_calls"]]


@pytest.fixture(scope="module")
def world(client: TestClient, local_cloud: LocalCloud) -> World:
    trader = open_trader(
        client, local_cloud, "chat@example.com", address_of(ANVIL_KEY_1), PROFILE, symbols=HELD
    )
    l2 = client.post(
        "/v1/vaults", json={"chain": "local-l2", "owner": address_of(ANVIL_KEY_1)}, headers=trader.session
    ).json()
    assert l2["status"] == "active", l2
    fund(
        rpc_url(local_cloud, "local-l2"),
        local_cloud.manifest("local-l2"),
        l2["address"],
        Decimal(5_000),
        HELD,
    )
    _record_history(client)
    preferences = client.put("/v1/preferences", json={"target_allocation": TARGET}, headers=trader.session)
    assert preferences.status_code == 200, preferences.text
    return World(client, trader, l2)


def _record_history(client: TestClient) -> None:
    now = utc_now().replace(minute=0, second=0, microsecond=0)
    prices = client.get("/v1/market/prices", params={"symbols": ",".join(HISTORY_SYMBOLS)}).json()["items"]
    points = [
        Price(
            symbol=p["symbol"],
            usd=Decimal(p["usd"]) * WAVE[hour % len(WAVE)],
            source="suite",
            observed_at=now - timedelta(hours=hour),
        )
        for p in prices
        for hour in range(1, 7 * 24)
    ]
    DynamoPriceHistory().record(points)


def usd(value: str | Decimal) -> str:
    return f"${Decimal(value):,.2f}"


def _vault_amount(world: World, chain: str, symbol: str) -> Decimal:
    vault_id = world.trader.vault["id"] if chain == "local-l1" else world.l2_vault["id"]
    positions = world.get("/v1/portfolio")["positions"]
    return sum(
        (Decimal(p["amount"]) for p in positions if p["holder_id"] == vault_id and p["symbol"] == symbol),
        Decimal(0),
    )


# The cases


Check = Callable[[World, dict[str, Any]], None]


@dataclass(frozen=True)
class Turn:
    message: str
    intent: str
    tools: tuple[str, ...]
    check: Check | None = None


@dataclass(frozen=True)
class Case:
    name: str
    turns: tuple[Turn, ...]
    extra: dict[str, Any] = field(default_factory=dict)


def total_in_reply(world: World, reply: dict[str, Any]) -> None:
    assert usd(world.get("/v1/portfolio")["total_usd"]) in reply["reply"]


def chain_total(chain: str) -> Check:
    def check(world: World, reply: dict[str, Any]) -> None:
        assert usd(world.get("/v1/portfolio")["by_chain"][chain]["usd"]) in reply["reply"]
        [card] = [c for c in reply["cards"] if c["type"] == "portfolio"]
        assert card["chain"] == chain

    return check


def holds(symbol: str) -> Check:
    def check(world: World, reply: dict[str, Any]) -> None:
        token = world.get("/v1/portfolio")["by_token"][symbol]
        amount = Decimal(token["amount"]).quantize(Decimal("0.000001")).normalize()
        assert f"{amount:f} {symbol}" in reply["reply"], reply["reply"]

    return check


def priced(*symbols: str) -> Check:
    def check(world: World, reply: dict[str, Any]) -> None:
        prices = world.get("/v1/market/prices", symbols=",".join(symbols))["items"]
        for price in prices:
            assert f"{price['symbol']}: {usd(price['usd'])}" in reply["reply"], reply["reply"]

    return check


def analysed(symbol: str, period: str) -> Check:
    def check(world: World, reply: dict[str, Any]) -> None:
        analysis = world.get(f"/v1/market/{symbol}/analysis", period=period)["analysis"]
        volatility = Decimal(str(analysis["realised_volatility_annualised"])) * 100
        assert f"volatility {volatility:.2f}%" in reply["reply"], reply["reply"]
        assert f"over {period}" in reply["reply"]
        assert {c["type"] for c in reply["cards"]} == {"market_analysis", "chart"}

    return check


def recommended(world: World, reply: dict[str, Any]) -> None:
    advice = world.get("/v1/recommendations")
    assert f"risk score of {advice['analysis']['risk']['score']} out of 100" in reply["reply"]
    for item in advice["recommendations"]:
        assert item["title"] in reply["reply"]


def risk_scored(world: World, reply: dict[str, Any]) -> None:
    analysis = world.get("/v1/recommendations")["analysis"]
    largest = analysis["largest"]
    assert f"risk score is {analysis['risk']['score']} out of 100" in reply["reply"], reply["reply"]
    weight = Decimal(largest["weight"]) * 100
    assert f"largest holding {largest['symbol']} at {weight:.2f}%" in reply["reply"], reply["reply"]
    for reason in analysis["risk"]["reasons"]:
        assert reason["text"] in reply["reply"]


def latest_trade(world: World, reply: dict[str, Any]) -> None:
    [trade] = world.get("/v1/trades", limit=1)["items"]
    status = trade["status"].replace("_", " ")
    assert f"Your latest trade {trade['id']} (USDC to DAI, 30 USDC) is {status}" in reply["reply"], reply[
        "reply"
    ]
    [card] = reply["cards"]
    assert (card["type"], card["trade_id"]) == ("trade_status", trade["id"])


def quoted(sell: str, buy: str, amount: str) -> Check:
    def check(world: World, reply: dict[str, Any]) -> None:
        [card] = [c for c in reply["cards"] if c["type"] == "quote"]
        assert (card["sell"], card["buy"]) == (sell, buy)
        assert Decimal(card["amount_in"]) == Decimal(amount)
        out = Decimal(card["amount_out"]).normalize()
        assert f"gets about {out:f} {buy}" in reply["reply"], reply["reply"]

    return check


def proposed(chain: str, sell: str, buy: str, amount: Callable[[World], Decimal]) -> Check:
    def check(world: World, reply: dict[str, Any]) -> None:
        [card] = [c for c in reply["cards"] if c["type"] == "trade_proposal"]
        trade = world.get(f"/v1/trades/{card['trade_id']}")
        assert trade["status"] == "awaiting_approval", trade
        assert trade["request"]["origin"] == "assistant"
        assert (trade["request"]["sell_token"], trade["request"]["buy_token"]) == (sell, buy)
        assert Decimal(trade["request"]["amount"]) == amount(world)
        assert card["chain"] == chain
        assert {a["type"] for a in reply["actions"]} >= {"approve_trade", "reject_trade"}
        assert "It waits for your approval" in reply["reply"]

    return check


def share(chain: str, symbol: str, pct: int) -> Callable[[World], Decimal]:
    def amount(world: World) -> Decimal:
        held = _vault_amount(world, chain, symbol)
        return (held * pct / 100).quantize(Decimal("0.00000001"), rounding=ROUND_DOWN)

    return amount


def usd_of(symbol: str, dollars: str) -> Callable[[World], Decimal]:
    def amount(world: World) -> Decimal:
        [price] = world.get("/v1/market/prices", symbols=symbol)["items"]
        return (Decimal(dollars) / Decimal(price["usd"])).quantize(Decimal("0.000001"), rounding=ROUND_DOWN)

    return amount


def exactly(value: str) -> Callable[[World], Decimal]:
    return lambda _world: Decimal(value)


def refused(*words: str) -> Check:
    def check(world: World, reply: dict[str, Any]) -> None:
        assert reply["cards"] == []
        assert reply["actions"] == []
        for word in words:
            assert word in reply["reply"], reply["reply"]

    return check


def single(message: str, intent: str, tools: tuple[str, ...], check: Check | None = None) -> Case:
    return Case(message, (Turn(message, intent, tools, check),))


PORTFOLIO = ("get_portfolio",)
PRICES = ("get_prices",)
ANALYSIS = ("analyse_market", "get_price_history")
QUOTE = ("get_quote",)
PROPOSE = ("propose_trade",)

CASES: tuple[Case, ...] = (
    # The portfolio
    *(
        single(m, "portfolio", PORTFOLIO, total_in_reply)
        for m in (
            "What's my portfolio worth?",
            "show my portfolio",
            "portfolio",
            "What are my balances?",
            "how much do I have in total",
            "What do I hold?",
            "show me my holdings",
            "give me a portfolio summary",
        )
    ),
    *(
        single(m, "portfolio", PORTFOLIO, chain_total(chain))
        for m, chain in (
            ("what do I hold on the L2?", "local-l2"),
            ("balances on local l1", "local-l1"),
            ("my portfolio on L2", "local-l2"),
            ("show my holdings on the L1", "local-l1"),
        )
    ),
    *(
        single(m, "portfolio", PORTFOLIO, holds(symbol))
        for m, symbol in (
            ("how much WBTC do I have?", "WBTC"),
            ("my DAI balance", "DAI"),
            ("how much USDC do I hold", "USDC"),
            ("what's my WETH balance?", "WETH"),
        )
    ),
    # Prices
    *(
        single(m, "price", PRICES, priced(*symbols))
        for m, symbols in (
            ("price of ETH", ("ETH",)),
            ("What's the price of WBTC?", ("WBTC",)),
            ("how much is LINK", ("LINK",)),
            ("ETH and WBTC prices", ("ETH", "WBTC")),
            ("what is DAI worth", ("DAI",)),
            ("USDC price?", ("USDC",)),
            ("prices of ETH, LINK and DAI", ("ETH", "LINK", "DAI")),
            ("what does WETH cost", ("WETH",)),
            ("where is ETH trading", ("ETH",)),
            ("LINK price please", ("LINK",)),
        )
    ),
    # Market analysis
    *(
        single(m, "analysis", ANALYSIS, analysed(symbol, period))
        for m, symbol, period in (
            ("analyse ETH", "ETH", "7d"),
            ("analysis of WBTC over 24h", "WBTC", "24h"),
            ("how volatile is LINK this month", "LINK", "30d"),
            ("ETH trend over the last 7 days", "ETH", "7d"),
            ("what's the RSI of WETH", "WETH", "7d"),
            ("technical analysis of DAI over 30 days", "DAI", "30d"),
        )
    ),
    # Recommendations
    *(
        single(m, "recommendations", ("get_recommendations",), recommended)
        for m in ("What should I do?", "any recommendations?", "how should I rebalance", "give me advice")
    ),
    # The portfolio's risk
    *(
        single(m, "portfolio_analysis", ("analyse_portfolio",), risk_scored)
        for m in ("how risky is my portfolio?", "analyse my portfolio", "is my portfolio diversified?")
    ),
    # Quotes
    *(
        single(m, "quote", QUOTE, quoted(sell, buy, amount))
        for m, sell, buy, amount in (
            ("quote 1 WETH to USDC", "WETH", "USDC", "1"),
            ("quote 0.5 ETH for USDC", "WETH", "USDC", "0.5"),
            ("how much USDC for 0.25 WBTC?", "WBTC", "USDC", "0.25"),
            ("quote 1000 USDC to DAI", "USDC", "DAI", "1000"),
            ("quote 2 WETH to DAI on the L2", "WETH", "DAI", "2"),
            ("how much WBTC would I get for 5000 USDC", "USDC", "WBTC", "5000"),
            ("quote 10 LINK to WETH", "LINK", "WETH", "10"),
            ("quote 100 DAI to USDC on local l1", "DAI", "USDC", "100"),
        )
    ),
    # Trade proposals: created, waiting for approval
    *(
        single(m, "propose_trade", PROPOSE, proposed(chain, sell, buy, amount))
        for m, chain, sell, buy, amount in (
            ("swap half my ETH on the L2 to USDC", "local-l2", "WETH", "USDC", share("local-l2", "WETH", 50)),
            ("sell 25% of my WBTC for USDC", "local-l1", "WBTC", "USDC", share("local-l1", "WBTC", 25)),
            ("swap 0.1 WETH to USDC", "local-l1", "WETH", "USDC", exactly("0.1")),
            ("convert 500 USDC to DAI on the L2", "local-l2", "USDC", "DAI", exactly("500")),
            (
                "sell a quarter of my DAI for USDC on L1",
                "local-l1",
                "DAI",
                "USDC",
                share("local-l1", "DAI", 25),
            ),
            ("trade 0.01 WBTC for WETH", "local-l1", "WBTC", "WETH", exactly("0.01")),
            ("swap 250 DAI into USDC", "local-l1", "DAI", "USDC", exactly("250")),
            ("sell 0.2 ETH for DAI on the L2", "local-l2", "WETH", "DAI", exactly("0.2")),
        )
    ),
    # Honest refusals: no tool is called
    *(
        single(m, "unknown", (), refused(*words))
        for m, words in (
            ("send 1 ETH to 0x70997970C51812dc3A010C7d01b50e0d17dc79C8", ("never move funds",)),
            ("bridge my USDC to the L2", ("never move funds",)),
            ("withdraw everything from my vault", ("never move funds",)),
            ("tell me a joke", ("can't help with that",)),
            ("what's the weather like?", ("can't help with that",)),
            ("price of DOGE", ("don't know that token",)),
            ("swap ETH", ("Which tokens",)),
            ("swap WETH to USDC", ("How much",)),
            ("swap 1 WETH to WETH", ("same token",)),
            ("do it", ("nothing to confirm",)),
            ("swap 1 WETH to USDC on polygon", ("don't know that chain",)),
            ("and on the L2?", ("not sure what that refers to",)),
            ("approve my last trade", ("never move funds",)),
            ("stake my ETH", ("never move funds",)),
            ("lend my DAI", ("never move funds",)),
            ("swap 1 WETH to USDC and 2 WBTC to DAI", ("can tell apart",)),
            ("swap 0 WETH to USDC", ("above zero",)),
        )
    ),
    # More ways of asking
    *(
        single(m, intent, tools, check)
        for m, intent, tools, check in (
            ("WBTC price", "price", PRICES, priced("WBTC")),
            ("how much is ETH right now?", "price", PRICES, priced("ETH")),
            ("quote 3 WETH to USDC on the L1", "quote", QUOTE, quoted("WETH", "USDC", "3")),
            ("my portfolio on the local l2", "portfolio", PORTFOLIO, chain_total("local-l2")),
        )
    ),
    # Follow-ups
    Case(
        "a price, then another token",
        (
            Turn("price of ETH", "price", PRICES, priced("ETH")),
            Turn("and WBTC?", "price", PRICES, priced("WBTC")),
            Turn("and LINK", "price", PRICES, priced("LINK")),
        ),
    ),
    Case(
        "the portfolio, then one chain",
        (
            Turn("what's my portfolio worth?", "portfolio", PORTFOLIO, total_in_reply),
            Turn("and on the L2?", "portfolio", PORTFOLIO, chain_total("local-l2")),
            Turn("and on the L1?", "portfolio", PORTFOLIO, chain_total("local-l1")),
        ),
    ),
    Case(
        "a quote, a new amount, then do it",
        (
            Turn("quote 1 WETH to USDC", "quote", QUOTE, quoted("WETH", "USDC", "1")),
            Turn("make it 0.3 instead", "quote", QUOTE, quoted("WETH", "USDC", "0.3")),
            Turn("do it", "confirm", PROPOSE, proposed("local-l1", "WETH", "USDC", exactly("0.3"))),
            Turn("do it", "unknown", (), refused("nothing to confirm")),
        ),
    ),
    Case(
        "a proposal, then do it: the assistant never approves",
        (
            Turn(
                "swap 50 USDC to DAI",
                "propose_trade",
                PROPOSE,
                proposed("local-l1", "USDC", "DAI", exactly("50")),
            ),
            Turn("do it", "confirm", ("get_trade_status",), None),
        ),
    ),
    Case(
        "a proposal, then on the other chain",
        (
            Turn(
                "swap 20 USDC to DAI",
                "propose_trade",
                PROPOSE,
                proposed("local-l1", "USDC", "DAI", exactly("20")),
            ),
            Turn(
                "and on the L2?", "propose_trade", PROPOSE, proposed("local-l2", "USDC", "DAI", exactly("20"))
            ),
        ),
    ),
    Case(
        "an analysis, then another period",
        (
            Turn("analyse ETH", "analysis", ANALYSIS, analysed("ETH", "7d")),
            Turn("over 24h", "analysis", ANALYSIS, analysed("ETH", "24h")),
            Turn("and WBTC?", "analysis", ANALYSIS, analysed("WBTC", "24h")),
        ),
    ),
    Case(
        "a quote in dollars, then another token bought",
        (
            Turn("quote $300 of WETH to USDC", "quote", QUOTE, None),
            Turn("and to DAI?", "quote", QUOTE, None),
        ),
    ),
    Case(
        "a balance, then another token",
        (
            Turn("how much WBTC do I have?", "portfolio", PORTFOLIO, holds("WBTC")),
            Turn("and DAI?", "portfolio", PORTFOLIO, holds("DAI")),
        ),
    ),
    Case(
        "a refusal does not end the conversation",
        (
            Turn("send all my USDC to my friend", "unknown", (), refused("never move funds")),
            Turn("price of ETH", "price", PRICES, priced("ETH")),
            Turn("and WETH?", "price", PRICES, priced("WETH")),
        ),
    ),
    Case(
        "a proposal in dollars, then a new amount",
        (
            Turn(
                "swap $300 of USDC to DAI",
                "propose_trade",
                PROPOSE,
                proposed("local-l1", "USDC", "DAI", usd_of("USDC", "300")),
            ),
            Turn(
                "make it 100 instead",
                "propose_trade",
                PROPOSE,
                proposed("local-l1", "USDC", "DAI", usd_of("USDC", "100")),
            ),
        ),
    ),
    Case(
        "a proposal, then where it is",
        (
            Turn(
                "swap 30 USDC to DAI",
                "propose_trade",
                PROPOSE,
                proposed("local-l1", "USDC", "DAI", exactly("30")),
            ),
            Turn("did my trade go through?", "trade_status", ("get_trade_status",), latest_trade),
        ),
    ),
    Case(
        "recommendations, then a price",
        (
            Turn("what should I do?", "recommendations", ("get_recommendations",), recommended),
            Turn("price of WBTC", "price", PRICES, priced("WBTC")),
        ),
    ),
)


def _turns() -> int:
    return sum(len(case.turns) for case in CASES)


def test_the_suite_has_at_least_80_cases() -> None:
    assert len(CASES) >= 80, len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_conversation(world: World, case: Case) -> None:
    conversation_id: str | None = None
    for turn in case.turns:
        # When the user says the turn's message in the conversation so far
        reply = world.chat(turn.message, conversation_id)
        conversation_id = reply["conversation_id"]
        # Then the engine read the intended intent, called exactly the intended tools
        assert reply["engine"] == "offline"
        assert (reply["intent"], tuple(world.tools_of(reply))) == (turn.intent, turn.tools), reply["reply"]
        # And every figure in the reply came from those tools
        assert reply["grounding"]["ungrounded"] == [], reply["reply"]
        if turn.check is not None:
            turn.check(world, reply)
    # And the conversation keeps every turn, in order
    stored = world.get(f"/v1/conversations/{conversation_id}")
    assert [t["message"] for t in stored["turns"]] == [t.message for t in case.turns]


def test_a_recommended_trade_is_proposed_by_sending_its_follow_up(world: World) -> None:
    # Given the recommendations, which rebalance toward the target allocation
    advice = world.chat("what should I do?")
    ready = [r["trade"] for r in world.get("/v1/recommendations")["recommendations"] if r["trade"]]
    follow_ups = [a for a in advice["actions"] if a["type"] == "ask"]
    assert len(follow_ups) == len(ready) > 0, advice["actions"]

    # When the user sends the first follow-up as their next message
    proposal = world.chat(follow_ups[0]["message"], advice["conversation_id"])

    # Then the assistant proposes exactly the recommended trade, from the vault that holds it
    assert (proposal["intent"], proposal["grounding"]["ungrounded"]) == ("propose_trade", [])
    [card] = [c for c in proposal["cards"] if c["type"] == "trade_proposal"]
    trade = world.get(f"/v1/trades/{card['trade_id']}")
    expected = ready[0]
    assert trade["request"]["vault"] == expected["vault"]
    assert (trade["request"]["sell_token"], trade["request"]["buy_token"]) == (
        expected["sell_token"],
        expected["buy_token"],
    )
    assert Decimal(trade["request"]["amount"]) == Decimal(expected["amount"])
    assert trade["status"] == "awaiting_approval", trade


def test_yield_questions_quote_each_vaults_measured_apy(world: World, local_cloud: LocalCloud) -> None:
    url = rpc_url(local_cloud, "local-l1")
    w3 = Web3(HTTPProvider(url))
    manifest = local_cloud.manifest("local-l1")
    deployer = Web3.to_checksum_address(manifest.deployer)
    vault_address = Web3.to_checksum_address(manifest.vault("twyUSDC").address)
    vault = w3.eth.contract(address=vault_address, abi=artifacts.market("YieldVault").abi)
    usdc_address = Web3.to_checksum_address(manifest.token("USDC").address)
    usdc = w3.eth.contract(address=usdc_address, abi=artifacts.market("TestToken").abi)
    snapshot = w3.provider.make_request(RPCEndpoint("evm_snapshot"), [])["result"]
    try:
        # Given more blocks than the local lookback (60), then a day later 50 USDC harvested into twyUSDC
        w3.provider.make_request(RPCEndpoint("anvil_mine"), [hex(LOCAL_LOOKBACK_BLOCKS), "0x0"])
        w3.provider.make_request(RPCEndpoint("evm_increaseTime"), [86_400])
        for call in (usdc.functions.mint(deployer, 50 * 10**6), vault.functions.harvest(50 * 10**6)):
            assert w3.eth.wait_for_transaction_receipt(call.transact({"from": deployer}))["status"] == 1
        now = w3.eth.block_number
        then = now - LOCAL_LOOKBACK_BLOCKS

        # When the user asks where to earn yield on USDC, then follows up with DAI
        reply = world.chat("where can I earn yield on USDC?")
        follow_up = world.chat("and DAI?", reply["conversation_id"])

        # Then twyUSDC's APY is its share price growth over the lookback, compounded to a year
        shares = measured_shares(6)
        growth = Decimal(vault.functions.convertToAssets(shares).call(block_identifier=now)) / Decimal(
            vault.functions.convertToAssets(shares).call(block_identifier=then)
        )
        window = w3.eth.get_block(now)["timestamp"] - w3.eth.get_block(then)["timestamp"]
        with localcontext() as exact:
            exact.prec = 60
            apy = (growth ** (Decimal(SECONDS_PER_YEAR) / window) - 1).quantize(Decimal("0.000001"))
        assert (reply["intent"], world.tools_of(reply)) == ("yield", ["find_yield"])
        assert f"twyUSDC on local-l1 takes USDC: {apy * 100:.2f}% APY" in reply["reply"], reply["reply"]
        assert "twyDAI" not in reply["reply"]
        assert reply["grounding"]["ungrounded"] == []
        # And the follow-up lists the DAI vaults, which earned nothing over the lookback
        assert (follow_up["intent"], follow_up["grounding"]["ungrounded"]) == ("yield", [])
        assert "twyDAI on local-l1 takes DAI: 0.00% APY" in follow_up["reply"], follow_up["reply"]
    finally:
        assert w3.provider.make_request(RPCEndpoint("evm_revert"), [snapshot])["result"] is True
