"""The API app over in-memory services: the client fixture and the helpers the API unit tests share."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.unit.manifests import SWAP_ROUTER, placeholder, sample_manifest
from tests.unit.memory import (
    FakeClock,
    InMemoryAccountsRepository,
    InMemoryAuditRepository,
    InMemoryConversationsRepository,
    InMemoryManifests,
    InMemoryPreferencesRepository,
    InMemoryPriceHistory,
    InMemoryRiskProfilesRepository,
    InMemoryTradesRepository,
    InMemoryValueHistory,
    InMemoryVaultsRepository,
    InMemoryWalletsRepository,
    RecordingDispatcher,
    RecordingFlow,
)
from tradewind.accounts.service import AccountService, LoginThrottle
from tradewind.accounts.tokens import AccessTokenIssuer
from tradewind.api.app import create_app
from tradewind.api.container import Services
from tradewind.api.settings import ApiSettings
from tradewind.assistant.factory import vocabulary
from tradewind.assistant.offline import OfflineEngine
from tradewind.assistant.service import AssistantService
from tradewind.assistant.tools import Ports, Tools
from tradewind.assistant.trade_plan import TradePlanner
from tradewind.audit.service import AuditLog
from tradewind.chains.registry import ChainRegistry
from tradewind.deployments.manifest import TokenEntry, VaultDefaults
from tradewind.deployments.tokens import TokenService
from tradewind.errors import DependencyUnavailable
from tradewind.health.service import HealthService
from tradewind.holdings.models import ChainHoldings, OwnerHoldings, TokenBalance
from tradewind.holdings.snapshots import InMemorySnapshotSource
from tradewind.insights.service import InsightsService
from tradewind.market.service import MarketService
from tradewind.portfolio.service import PortfolioService
from tradewind.preferences.service import PreferencesService
from tradewind.prices.models import Price
from tradewind.prices.service import PriceService
from tradewind.risk.service import RiskService
from tradewind.trading.models import TradeSide
from tradewind.trading.quote_models import Quote
from tradewind.trading.service import TradeService
from tradewind.vaults.onchain import VaultStateReader
from tradewind.vaults.service import VaultService
from tradewind.wallets.service import WalletService

PASSWORD = "correct-horse-1"
L1_MANIFEST = sample_manifest(
    tokens=(
        TokenEntry(symbol="USDC", name="USD Coin", decimals=6, address=placeholder("7")),
        TokenEntry(symbol="WBTC", name="Wrapped BTC", decimals=8, address=placeholder("8")),
    ),
    vault_defaults=VaultDefaults(max_slippage_bps=100, routers=(SWAP_ROUTER,), tokens=(), yield_vaults=()),
)
ADDRESS = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"


class _FixedPrices:
    """A price source that knows ETH and USDC."""

    name = "fixed"

    def quote(self, symbols: Sequence[str]) -> dict[str, Price]:
        known = {"ETH": Decimal(3000), "USDC": Decimal(1)}
        now = datetime.now(UTC)
        return {
            s: Price(symbol=s, usd=known[s], source=self.name, observed_at=now) for s in symbols if s in known
        }


class FakeProbe:
    def __init__(self, name: str, up: bool) -> None:
        self.name = name
        self.up = up

    def check(self) -> None:
        if not self.up:
            raise DependencyUnavailable("connection refused", dependency=self.name)


class _OneEthEach:
    """A holdings reader in which every owner holds exactly 1 ETH."""

    def read(self, owners_by_chain: Mapping[str, Sequence[str]]) -> list[ChainHoldings]:
        eth = TokenBalance(symbol="ETH", address=None, decimals=18, amount="1", raw=10**18)
        return [
            ChainHoldings(
                chain=chain,
                owners=tuple(owners),
                holdings=tuple(OwnerHoldings(owner=o, native=eth, tokens=(), vaults=()) for o in owners),
                status="fresh",
                block_number=1,
                read_at=datetime.now(UTC),
                age_s=0.0,
            )
            for chain, owners in owners_by_chain.items()
        ]


class NoQuotes:
    """The quote port without a chain: unit tests of the API only check that a quote is asked for."""

    def quote(self, chain: str, sell: str, buy: str, amount: Decimal, side: TradeSide) -> Quote:
        raise DependencyUnavailable(f"no chain to quote {sell} for {buy} on {chain}", dependency="chain")


@pytest.fixture
def probes() -> list[FakeProbe]:
    return [FakeProbe("dynamodb", up=True), FakeProbe("chain:local-l1", up=True)]


@pytest.fixture
def client(probes: list[FakeProbe]) -> Iterator[TestClient]:
    clock = FakeClock()
    settings = ApiSettings(
        accounts_table="unused",
        jwt_secret_id="unused",
        signer_key_id="unused",
        deployments_parameter_path="/tradewind/test/deployments",
        chain_executor_function="unused",
        trade_state_machine_arn="unused",
    )
    chains = ChainRegistry.select(["local-l1", "local-l2"])
    manifests = InMemoryManifests({"local-l1": L1_MANIFEST})
    accounts = AccountService(
        InMemoryAccountsRepository(),
        AccessTokenIssuer(lambda: "k" * 64, ttl=timedelta(minutes=15), clock=clock),
        refresh_ttl=timedelta(days=1),
        throttle=LoginThrottle(max_failures=3, window_s=60),
        clock=clock,
    )
    wallets = WalletService(InMemoryWalletsRepository(), chains, clock)
    vaults = InMemoryVaultsRepository()
    prices = PriceService([_FixedPrices()], deviation_bps=200, ttl_s=30)
    portfolio = PortfolioService(
        wallets,
        vaults,
        _OneEthEach(),
        prices,
        clock,
        chains=chains,
        snapshots=InMemorySnapshotSource(),
        history=InMemoryValueHistory(),
        max_age_s=0,
    )
    market = MarketService(prices, InMemoryPriceHistory(), clock)
    audit = AuditLog(InMemoryAuditRepository(), clock)
    preferences = PreferencesService(InMemoryPreferencesRepository(), clock)
    trades = TradeService(
        InMemoryTradesRepository(),
        vaults,
        TokenService(chains, manifests),
        RecordingFlow(),
        audit=audit,
        clock=clock,
        approval_timeout_s=60,
        confirm_poll_s=1,
    )
    insights = InsightsService(portfolio, market, preferences, vaults, yields=list)
    tokens = TokenService(chains, manifests)
    ports = Ports(
        portfolio=portfolio,
        prices=prices,
        market=market,
        insights=insights,
        quotes=NoQuotes(),
        trades=trades,
        planner=TradePlanner(vaults, tokens, portfolio, prices, [c.key for c in chains]),
        yields=list,
        proposal_wait_s=0,
    )
    assistant = AssistantService(
        InMemoryConversationsRepository(),
        OfflineEngine(Tools(ports).toolbox()),
        None,
        lambda: vocabulary(chains, tokens),
        clock,
        recent_turns=6,
    )
    services = Services(
        settings=settings,
        chains=chains,
        accounts=accounts,
        wallets=wallets,
        tokens=TokenService(chains, manifests),
        vaults=VaultService(
            vaults,
            chains=chains,
            manifests=manifests,
            dispatcher=RecordingDispatcher(),
            reader=VaultStateReader(timeout_s=1),
            clock=clock,
        ),
        prices=lambda: prices,
        portfolio=lambda: portfolio,
        market=lambda: market,
        health=HealthService(probes),
        risk=RiskService(InMemoryRiskProfilesRepository(), deny_list=(), clock=clock),
        preferences=preferences,
        audit=audit,
        trades=trades,
        insights=lambda: insights,
        assistant=lambda: assistant,
    )
    with TestClient(create_app(services=services), raise_server_exceptions=False) as test_client:
        yield test_client


def login_session(client: TestClient, email: str = "alice@example.com") -> dict[str, str]:
    client.post("/v1/auth/register", json={"email": email, "password": PASSWORD})
    tokens = client.post("/v1/auth/login", json={"email": email, "password": PASSWORD}).json()
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["request_id"] == response.headers["X-Request-Id"]
    assert {"type", "title", "detail", "instance", "code"} <= body.keys()
    return body
