"""The portfolio's valuation: positions, totals, allocation, unpriced assets and stale chains, in memory."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests.unit.memory import (
    FakeClock,
    InMemoryValueHistory,
    InMemoryVaultsRepository,
    InMemoryWalletsRepository,
)
from tradewind.chains.registry import ChainRegistry
from tradewind.errors import DependencyUnavailable
from tradewind.holdings.models import (
    ChainHoldings,
    HoldingsStatus,
    OwnerHoldings,
    TokenBalance,
    VaultPosition,
)
from tradewind.holdings.snapshots import InMemorySnapshotSource
from tradewind.portfolio.service import PortfolioService
from tradewind.portfolio.sync import SyncRequest, plan_sync
from tradewind.portfolio.valuation import allocation
from tradewind.prices.models import Price
from tradewind.prices.service import PriceService
from tradewind.vaults.models import Vault, VaultStatus
from tradewind.wallets.models import Wallet
from tradewind.wallets.service import WalletService

USER = "user-1"
WALLET = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
VAULT = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
VAULT_L1 = "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB"
READ_AT = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)


def _balance(
    symbol: str, amount: str, decimals: int = 18, address: str | None = "0x" + "1" * 40
) -> TokenBalance:
    raw = int(Decimal(amount).scaleb(decimals))
    return TokenBalance(symbol=symbol, address=address, decimals=decimals, amount=amount, raw=raw)


def _owner(
    owner: str, *tokens: TokenBalance, native: str = "0", vaults: tuple[VaultPosition, ...] = ()
) -> OwnerHoldings:
    return OwnerHoldings(
        owner=owner, native=_balance("ETH", native, address=None), tokens=tokens, vaults=vaults
    )


def _chain(
    key: str, *owners: OwnerHoldings, status: HoldingsStatus = "fresh", age_s: float | None = 0.0
) -> ChainHoldings:
    return ChainHoldings(
        chain=key,
        owners=tuple(o.owner for o in owners),
        holdings=owners if status != "unavailable" else (),
        status=status,
        block_number=None if status == "unavailable" else 7,
        read_at=None if status == "unavailable" else READ_AT,
        age_s=age_s,
    )


def _usdc_shares(underlying: str) -> VaultPosition:
    return VaultPosition(
        vault="twyUSDC",
        address="0x" + "2" * 40,
        shares=underlying,
        shares_raw=int(Decimal(underlying).scaleb(18)),
        underlying="USDC",
        underlying_amount=underlying,
        underlying_raw=int(Decimal(underlying).scaleb(6)),
    )


class ScriptedHoldings:
    """A holdings reader that answers from a script and records what it was asked."""

    def __init__(self, *chains: ChainHoldings) -> None:
        self.chains = {chain.chain: chain for chain in chains}
        self.calls: list[dict[str, list[str]]] = []

    def read(self, owners_by_chain: Mapping[str, Sequence[str]]) -> list[ChainHoldings]:
        self.calls.append({key: list(owners) for key, owners in owners_by_chain.items()})
        return [self.chains[key] for key in owners_by_chain]


class FixedPrices:
    """A price source with fixed USD prices, recording each quote."""

    name = "fixed"

    def __init__(self, prices: dict[str, str], flagged: frozenset[str] = frozenset()) -> None:
        self.prices = {symbol: Decimal(usd) for symbol, usd in prices.items()}
        self.flagged = flagged
        self.calls: list[list[str]] = []

    def quote(self, symbols: Sequence[str]) -> dict[str, Price]:
        self.calls.append(list(symbols))
        now = datetime.now(UTC)
        return {
            s: Price(
                symbol=s, usd=self.prices[s], source=self.name, observed_at=now, flagged=s in self.flagged
            )
            for s in symbols
            if s in self.prices
        }


PRICES = {"ETH": "3000", "WETH": "3000", "USDC": "1", "DAI": "1"}


def _service(
    holdings: ScriptedHoldings, prices: FixedPrices, *, l2_vault: bool = True
) -> tuple[PortfolioService, FakeClock]:
    clock = FakeClock()
    chains = ChainRegistry.select(["local-l1", "local-l2"])
    wallets = WalletService(InMemoryWalletsRepository(), chains, clock)
    wallets.add(USER, "local-l1", WALLET.lower(), "main")
    vaults = InMemoryVaultsRepository()
    if l2_vault:
        vaults.add(USER, _vault("v-l2", "local-l2", VaultStatus.ACTIVE, VAULT))
    vaults.add(USER, _vault("v-deploying", "local-l1", VaultStatus.DEPLOYING, None))
    vaults.add(USER, _vault("v-failed", "local-l1", VaultStatus.FAILED, VAULT_L1))
    price_service = PriceService([prices], deviation_bps=200, ttl_s=30)
    service = PortfolioService(
        wallets,
        vaults,
        holdings,
        price_service,
        clock,
        chains=chains,
        snapshots=InMemorySnapshotSource(),
        history=InMemoryValueHistory(),
        max_age_s=0,
    )
    return service, clock


def _vault(vault_id: str, chain: str, status: VaultStatus, address: str | None) -> Vault:
    return Vault(id=vault_id, chain=chain, owner=WALLET, status=status, address=address, created_at=READ_AT)


def test_wallets_and_active_vaults_are_read_once_and_priced_once() -> None:
    # Given a wallet on L1 holding ETH, USDC and WETH, and a vault on L2 holding DAI and USDC vault shares
    holdings = ScriptedHoldings(
        _chain(
            "local-l1", _owner(WALLET, _balance("USDC", "250.5", 6), _balance("WETH", "0.5"), native="1.5")
        ),
        _chain(
            "local-l2",
            _owner(VAULT, _balance("DAI", "100"), _balance("USDC", "0", 6), vaults=(_usdc_shares("40"),)),
        ),
    )
    prices = FixedPrices(PRICES)
    service, clock = _service(holdings, prices)
    # When the portfolio is built
    portfolio = service.portfolio(USER)
    # Then one holdings read covered the wallet and the active vault only, and one quote priced every asset
    assert holdings.calls == [{"local-l1": [WALLET], "local-l2": [VAULT]}]
    assert prices.calls == [["ETH", "USDC", "WETH", "DAI"]]
    # And each non-zero balance is a position, vault shares valued as their underlying
    by_symbol = {(p.chain, p.symbol): p for p in portfolio.positions}
    assert set(by_symbol) == {
        ("local-l1", "ETH"),
        ("local-l1", "USDC"),
        ("local-l1", "WETH"),
        ("local-l2", "DAI"),
        ("local-l2", "twyUSDC"),
    }
    shares = by_symbol[("local-l2", "twyUSDC")]
    assert (shares.kind, shares.valued_as, shares.usd, shares.holder_kind, shares.holder_id) == (
        "yield_vault",
        "USDC",
        Decimal("40.00"),
        "vault",
        "v-l2",
    )
    assert by_symbol[("local-l1", "ETH")].usd == Decimal("4500.00")
    # And the totals add up per chain, per token and overall
    assert portfolio.total_usd == Decimal("4500") + Decimal("250.50") + Decimal("1500") + Decimal("140")
    assert portfolio.by_chain["local-l1"].usd == Decimal("6250.50")
    assert portfolio.by_chain["local-l2"].usd == Decimal("140.00")
    assert portfolio.by_token["USDC"].amount == Decimal("290.5")
    assert portfolio.by_token["USDC"].usd == Decimal("290.50")
    assert portfolio.by_token["ETH"].price_usd == Decimal(3000)
    assert list(portfolio.by_token) == ["ETH", "WETH", "USDC", "DAI"]
    assert portfolio.by_kind == {
        "native": Decimal("4500.00"),
        "token": Decimal("1500") + Decimal("250.50") + Decimal("100"),
        "yield_vault": Decimal("40.00"),
        "liquidity": Decimal(0),
    }
    assert sum(portfolio.allocation.values()) == Decimal(100)
    assert portfolio.unpriced == ()
    assert portfolio.as_of == clock.now


def test_an_asset_nobody_prices_is_listed_unpriced_and_left_out_of_the_totals() -> None:
    # Given a wallet holding USDC and a token no source prices
    holdings = ScriptedHoldings(
        _chain("local-l1", _owner(WALLET, _balance("USDC", "10", 6), _balance("PEPE", "1000000"))),
        _chain("local-l2", _owner(VAULT)),
    )
    service, _ = _service(holdings, FixedPrices(PRICES))
    # When the portfolio is built
    portfolio = service.portfolio(USER)
    # Then PEPE has no USD value, is named unpriced, and the totals and allocation ignore it
    pepe = next(p for p in portfolio.positions if p.symbol == "PEPE")
    assert pepe.usd is None
    assert portfolio.unpriced == ("PEPE",)
    assert portfolio.by_token["PEPE"].usd is None
    assert portfolio.by_token["PEPE"].price_usd is None
    assert portfolio.by_token["PEPE"].price_observed_at is None
    # Each priced part carries the time of its price
    assert portfolio.by_token["USDC"].price_observed_at is not None
    assert portfolio.total_usd == Decimal("10.00")
    assert portfolio.allocation == {"USDC": Decimal(100)}


def test_a_flagged_price_is_used_and_marked() -> None:
    holdings = ScriptedHoldings(
        _chain("local-l1", _owner(WALLET, native="1")), _chain("local-l2", _owner(VAULT))
    )
    service, _ = _service(holdings, FixedPrices(PRICES, flagged=frozenset({"ETH"})))
    portfolio = service.portfolio(USER)
    assert portfolio.by_token["ETH"].price_flagged is True
    assert portfolio.total_usd == Decimal("3000.00")


def test_a_stale_chain_is_valued_from_its_snapshot_and_an_unavailable_one_is_zero() -> None:
    # Given L1 served from a snapshot ten minutes old and L2 with no snapshot at all
    holdings = ScriptedHoldings(
        _chain("local-l1", _owner(WALLET, _balance("USDC", "75", 6)), status="stale", age_s=600.0),
        _chain("local-l2", _owner(VAULT), status="unavailable", age_s=None),
    )
    service, _ = _service(holdings, FixedPrices(PRICES))
    # When the portfolio is built
    portfolio = service.portfolio(USER)
    # Then the stale chain still counts, marked with its age, and the unavailable one is zero and says so
    l1, l2 = portfolio.by_chain["local-l1"], portfolio.by_chain["local-l2"]
    assert (l1.usd, l1.stale, l1.status, l1.age_s) == (Decimal("75.00"), True, "stale", 600.0)
    assert (l2.usd, l2.stale, l2.status, l2.age_s) == (Decimal(0), False, "unavailable", None)
    assert portfolio.total_usd == Decimal("75.00")


def test_a_user_without_addresses_has_an_empty_portfolio_without_any_read() -> None:
    holdings = ScriptedHoldings()
    prices = FixedPrices(PRICES)
    clock = FakeClock()
    chains = ChainRegistry.select(["local-l1"])
    service = PortfolioService(
        WalletService(InMemoryWalletsRepository(), chains, clock),
        InMemoryVaultsRepository(),
        holdings,
        PriceService([prices], deviation_bps=200, ttl_s=30),
        clock,
        chains=chains,
        snapshots=InMemorySnapshotSource(),
        history=InMemoryValueHistory(),
        max_age_s=0,
    )
    portfolio = service.portfolio(USER)
    assert portfolio.total_usd == Decimal(0)
    assert not portfolio.by_chain
    assert not portfolio.positions
    assert not portfolio.allocation
    assert holdings.calls == []
    assert prices.calls == []


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"A": "1", "B": "1", "C": "1"}, {"A": "33.34", "B": "33.33", "C": "33.33"}),
        ({"A": "2", "B": "1"}, {"A": "66.67", "B": "33.33"}),
        ({"A": "999.99", "B": "0.01"}, {"A": "100", "B": "0"}),
        ({"A": "5"}, {"A": "100"}),
    ],
)
def test_allocation_sums_to_exactly_100(values: dict[str, str], expected: dict[str, str]) -> None:
    shares = allocation({key: Decimal(value) for key, value in values.items()})
    assert shares == {key: Decimal(value) for key, value in expected.items()}
    assert sum(shares.values()) == Decimal(100)


def test_allocation_of_nothing_is_empty() -> None:
    assert allocation({}) == {}
    assert allocation({"A": Decimal(0)}) == {}


def _syncing_service(
    holdings: ScriptedHoldings, snapshots: InMemorySnapshotSource, max_age_s: float
) -> tuple[PortfolioService, InMemoryValueHistory, FakeClock]:
    clock = FakeClock(READ_AT + timedelta(seconds=30))
    chains = ChainRegistry.select(["local-l1"])
    wallets = WalletService(InMemoryWalletsRepository(), chains, clock)
    wallets.add(USER, "local-l1", WALLET.lower(), "main")
    history = InMemoryValueHistory()
    service = PortfolioService(
        wallets,
        InMemoryVaultsRepository(),
        holdings,
        PriceService([FixedPrices(PRICES)], deviation_bps=200, ttl_s=30),
        clock,
        chains=chains,
        snapshots=snapshots,
        history=history,
        max_age_s=max_age_s,
    )
    return service, history, clock


def test_a_snapshot_younger_than_the_max_age_is_served_without_a_read_or_a_history_record() -> None:
    # Given a snapshot of the wallet read 30 s ago, and a max age of 60 s
    snapshots = InMemorySnapshotSource()
    snapshots.save(_chain("local-l1", _owner(WALLET, native="2")))
    holdings = ScriptedHoldings(_chain("local-l1", _owner(WALLET, native="3")))
    service, history, clock = _syncing_service(holdings, snapshots, max_age_s=60)
    # When the portfolio is asked
    served = service.portfolio(USER)
    # Then it comes from the snapshot, with its age, and nothing was read or recorded
    assert served.total_usd == Decimal(6000)
    assert served.by_chain["local-l1"].age_s == 30
    assert holdings.calls == []
    assert history.recorded == {}
    # When the snapshot has aged past the max age, or the user asks for a refresh
    clock.advance(31)
    assert service.portfolio(USER).total_usd == Decimal(9000)
    assert service.refresh(USER).total_usd == Decimal(9000)
    # Then the chain was read each time and each read was recorded as the wallet's value
    assert len(holdings.calls) == 2
    assert [v.total_usd for v in history.recorded[USER]] == [Decimal(9000), Decimal(9000)]


def test_syncing_a_holder_records_its_value_and_fails_when_its_chain_is_stale() -> None:
    # Given the wallet's chain answers
    holdings = ScriptedHoldings(_chain("local-l1", _owner(WALLET, native="1")))
    service, history, _ = _syncing_service(holdings, InMemorySnapshotSource(), max_age_s=60)
    # When the sync refreshes it (in any address case)
    value = service.sync_holder(USER, "local-l1", WALLET.lower())
    # Then its value is returned and recorded
    assert value is not None
    assert (value.holder_kind, value.total_usd) == ("wallet", Decimal(3000))
    assert history.recorded[USER] == [value]
    # And an address the user does not hold there is nothing to sync
    assert service.sync_holder(USER, "local-l1", VAULT) is None
    # And when the chain only has a stale snapshot, the sync fails so the message is retried
    holdings.chains["local-l1"] = _chain("local-l1", _owner(WALLET, native="1"), status="stale", age_s=600)
    with pytest.raises(DependencyUnavailable):
        service.sync_holder(USER, "local-l1", WALLET)
    assert len(history.recorded[USER]) == 1


def test_sync_requests_cover_watched_wallets_and_active_vaults_on_active_chains() -> None:
    # Given a wallet on an active chain, one on an inactive chain, and vaults in every state
    wallets = [
        ("u1", Wallet(id="w1", chain="local-l1", address=WALLET, label="a", created_at=READ_AT)),
        ("u2", Wallet(id="w2", chain="ethereum", address=WALLET, label="b", created_at=READ_AT)),
    ]
    vaults = [
        ("u1", _vault("v1", "local-l2", VaultStatus.ACTIVE, VAULT)),
        ("u1", _vault("v2", "local-l1", VaultStatus.DEPLOYING, None)),
        ("u2", _vault("v3", "local-l1", VaultStatus.FAILED, VAULT_L1)),
    ]

    class Directory:
        def wallets(self) -> list[tuple[str, Wallet]]:
            return wallets

        def vaults(self) -> list[tuple[str, Vault]]:
            return vaults

    class Queue:
        def __init__(self) -> None:
            self.sent: list[list[SyncRequest]] = []

        def send(self, requests: Sequence[SyncRequest]) -> None:
            self.sent.append(list(requests))

    # When a round is planned, one request per send
    queue = Queue()
    sent = plan_sync(Directory(), {"local-l1", "local-l2"}, queue, batch=1)
    # Then the active-chain wallet and the active vault each get one request
    assert sent == 2
    assert [(r.user_id, r.holder_kind, r.holder_id, r.chain) for batch in queue.sent for r in batch] == [
        ("u1", "wallet", "w1", "local-l1"),
        ("u1", "vault", "v1", "local-l2"),
    ]
