"""Valuing Uniswap V3 liquidity positions, pure: a row per token with its fees, and totals per kind."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from tradewind.holdings.models import (
    ChainHoldings,
    LiquidityPosition,
    LiquidityToken,
    OwnerHoldings,
    TokenBalance,
    VaultPosition,
)
from tradewind.portfolio.valuation import Holder, by_kind, positions_of, valued
from tradewind.prices.models import Price

WALLET = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
UNLISTED = "0x" + "E" * 40
NOW = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)


def _token(symbol: str, decimals: int, amount: str, fees: str) -> LiquidityToken:
    return LiquidityToken(
        symbol=symbol,
        address=UNLISTED if symbol == UNLISTED else "0x" + "1" * 40,
        decimals=decimals,
        amount=amount,
        amount_raw=int(Decimal(amount).scaleb(decimals)),
        fees=fees,
        fees_raw=int(Decimal(fees).scaleb(decimals)),
    )


def _liquidity(token_id: int, token0: LiquidityToken, token1: LiquidityToken) -> LiquidityPosition:
    return LiquidityPosition(
        token_id=token_id,
        pool="0x" + "5" * 40,
        fee=500,
        tick_lower=-100,
        tick_upper=100,
        tick=0,
        in_range=True,
        liquidity=10**15,
        token0=token0,
        token1=token1,
    )


def _chain(*liquidity: LiquidityPosition) -> ChainHoldings:
    usdc = TokenBalance(symbol="USDC", address="0x" + "7" * 40, decimals=6, amount="100", raw=100_000_000)
    shares = VaultPosition(
        vault="twyUSDC",
        address="0x" + "2" * 40,
        shares="40",
        shares_raw=40_000_000,
        underlying="USDC",
        underlying_amount="44",
        underlying_raw=44_000_000,
    )
    eth = TokenBalance(symbol="ETH", address=None, decimals=18, amount="1", raw=10**18)
    owner = OwnerHoldings(owner=WALLET, native=eth, tokens=(usdc,), vaults=(shares,), liquidity=liquidity)
    return ChainHoldings(
        chain="local-l1",
        owners=(WALLET,),
        holdings=(owner,),
        status="fresh",
        block_number=7,
        read_at=NOW,
        age_s=0.0,
    )


def _prices(**usd: str) -> dict[str, Price]:
    return {
        symbol: Price(symbol=symbol, usd=Decimal(value), source="fixed", observed_at=NOW, flagged=False)
        for symbol, value in usd.items()
    }


def test_a_liquidity_position_is_a_row_per_token_holding_its_amount_and_fees() -> None:
    # Given a WETH/USDC position returning 0.5 WETH + 0.01 fees and 1500 USDC + 3 fees, and an
    # out-of-range one holding only an unlisted token
    in_range = _liquidity(42, _token("WETH", 18, "0.5", "0.01"), _token("USDC", 6, "1500", "3"))
    unlisted = _liquidity(43, _token(UNLISTED, 18, "7", "0"), _token("USDC", 6, "0", "0"))
    # When the chain's holdings become positions
    positions = positions_of(_chain(in_range, unlisted), {WALLET: Holder("wallet", "w-1")})
    # Then each token that returns anything is a liquidity row of its position, fees included in the amount
    rows = [(p.position_id, p.symbol, p.amount, p.fees) for p in positions if p.kind == "liquidity"]
    assert rows == [
        ("uniswap-v3:42", "WETH", Decimal("0.51"), Decimal("0.01")),
        ("uniswap-v3:42", "USDC", Decimal(1503), Decimal(3)),
        ("uniswap-v3:43", UNLISTED, Decimal(7), Decimal(0)),
    ]
    assert all(
        p.valued_as == p.symbol and p.value_amount == p.amount for p in positions if p.kind == "liquidity"
    )
    # And the other kinds carry no position id nor fees
    assert [(p.kind, p.position_id, p.fees) for p in positions if p.kind != "liquidity"] == [
        ("native", None, None),
        ("token", None, None),
        ("yield_vault", None, None),
    ]


def test_liquidity_rows_are_valued_with_their_fees_and_an_unlisted_token_stays_unpriced() -> None:
    in_range = _liquidity(42, _token("WETH", 18, "0.5", "0.01"), _token("USDC", 6, "1500", "3"))
    unlisted = _liquidity(43, _token(UNLISTED, 18, "7", "0"), _token("USDC", 6, "0", "0"))
    positions = positions_of(_chain(in_range, unlisted), {WALLET: Holder("wallet", "w-1")})
    prices = _prices(ETH="3000", WETH="3000", USDC="1")
    # When they are valued
    weth, usdc, other = [valued(p, prices) for p in positions if p.kind == "liquidity"]
    # Then each row is worth its amount, of which its fees are worth their share
    assert (weth.usd, weth.fees_usd) == (Decimal("1530.00"), Decimal("30.00"))
    assert (usdc.usd, usdc.fees_usd) == (Decimal("1503.00"), Decimal("3.00"))
    assert (other.usd, other.fees_usd) == (None, None)


def test_totals_by_kind_have_every_kind_and_leave_out_the_unpriced() -> None:
    # Given a wallet with ETH, USDC, vault shares, a WETH/USDC position and an unlisted token's position
    in_range = _liquidity(42, _token("WETH", 18, "0.5", "0.01"), _token("USDC", 6, "1500", "3"))
    unlisted = _liquidity(43, _token(UNLISTED, 18, "7", "0"), _token("USDC", 6, "0", "0"))
    positions = positions_of(_chain(in_range, unlisted), {WALLET: Holder("wallet", "w-1")})
    prices = _prices(ETH="3000", WETH="3000", USDC="1")
    # When the valued positions are totalled by kind
    totals = by_kind([valued(p, prices) for p in positions])
    # Then each kind has the USD of its priced rows
    assert totals == {
        "native": Decimal("3000.00"),
        "token": Decimal("100.00"),
        "yield_vault": Decimal("44.00"),
        "liquidity": Decimal("3033.00"),
    }
    # And a user with nothing still has every kind, at zero
    assert by_kind([]) == dict.fromkeys(("native", "token", "yield_vault", "liquidity"), Decimal(0))
