"""What the local market holds: the one table of tokens, pools and vaults the deployer builds."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class TokenSpec:
    """A token of the local market; ``usd_price`` sets every pool's initial price."""

    symbol: str
    name: str
    decimals: int
    usd_price: Decimal
    # WETH is the real WETH9 (wrapped with ETH); the others are TestTokens minted by the deployer.
    wrapped_native: bool = False


# Each side of a major pool, in USD. Full-range positions this deep keep a 1 WETH swap within
# ~0.2 % of the oracle price.
LIQUIDITY_USD_PER_SIDE = Decimal(2_000_000)
# Long-tail pools are shallower, as on a real chain; it also keeps the deployer's WETH in hand: all
# pools together take ~3,500 of its 10,000 ETH.
LONG_TAIL_LIQUIDITY_USD_PER_SIDE = Decimal(500_000)


@dataclass(frozen=True)
class PoolSpec:
    """A Uniswap V3 pool; the pair order here is for reading, the chain orders by address."""

    base: str
    quote: str
    fee: int
    liquidity_usd_per_side: Decimal = LIQUIDITY_USD_PER_SIDE

    @property
    def name(self) -> str:
        """``BASE/QUOTE``, as traders write it."""
        return f"{self.base}/{self.quote}"


@dataclass(frozen=True)
class VaultSpec:
    """A YieldVault: the deployer seeds it with ``seed`` assets, then harvests ``harvest`` as yield.

    While the market simulator runs, it harvests the yield ``apy`` (a fraction, 0.045 is 4.5 %)
    accrues on the vault's assets, so that the vault's measured APY comes out near it.
    """

    symbol: str
    name: str
    asset: str
    seed: Decimal
    harvest: Decimal
    apy: Decimal


TOKENS: tuple[TokenSpec, ...] = (
    TokenSpec("WETH", "Wrapped Ether", 18, Decimal(3000), wrapped_native=True),
    TokenSpec("USDC", "USD Coin", 6, Decimal(1)),
    TokenSpec("WBTC", "Wrapped BTC", 8, Decimal(60000)),
    TokenSpec("DAI", "Dai Stablecoin", 18, Decimal(1)),
    TokenSpec("LINK", "ChainLink Token", 18, Decimal(15)),
    # The long tail: enough tokens for a wallet of 20+ holdings, with the decimals the real ones have
    # (USDT 6, GUSD 2), so no reader can get away with assuming 18.
    TokenSpec("USDT", "Tether USD", 6, Decimal(1)),
    TokenSpec("FRAX", "Frax", 18, Decimal(1)),
    TokenSpec("GUSD", "Gemini dollar", 2, Decimal(1)),
    TokenSpec("UNI", "Uniswap", 18, Decimal(8)),
    TokenSpec("AAVE", "Aave Token", 18, Decimal(150)),
    TokenSpec("MKR", "Maker", 18, Decimal(1500)),
    TokenSpec("COMP", "Compound", 18, Decimal(50)),
    TokenSpec("CRV", "Curve DAO Token", 18, Decimal("0.5")),
    TokenSpec("SNX", "Synthetix Network Token", 18, Decimal("2.5")),
    TokenSpec("LDO", "Lido DAO Token", 18, Decimal(2)),
    TokenSpec("ARB", "Arbitrum", 18, Decimal("0.8")),
    TokenSpec("OP", "Optimism", 18, Decimal("1.8")),
    TokenSpec("MATIC", "Matic Token", 18, Decimal("0.6")),
    TokenSpec("GRT", "Graph Token", 18, Decimal("0.2")),
    TokenSpec("SUSHI", "SushiToken", 18, Decimal(1)),
    TokenSpec("BAL", "Balancer", 18, Decimal(3)),
    TokenSpec("YFI", "yearn.finance", 18, Decimal(7000)),
    TokenSpec("1INCH", "1INCH Token", 18, Decimal("0.4")),
    TokenSpec("ENS", "Ethereum Name Service", 18, Decimal(20)),
    TokenSpec("RPL", "Rocket Pool", 18, Decimal(12)),
)

# The deep pools the market simulator walks; their prices move, so everything priced through WETH does.
MAJOR_POOLS: tuple[PoolSpec, ...] = (
    PoolSpec("WETH", "USDC", 500),
    PoolSpec("WBTC", "USDC", 3000),
    PoolSpec("WBTC", "WETH", 3000),
    PoolSpec("LINK", "WETH", 3000),
    PoolSpec("DAI", "USDC", 100),
)

# One pool per long-tail token, against USDC or WETH: the two routes the on-chain price source
# (tradewind.prices.twap) follows to USD. Quiet: the simulator leaves them alone.
_TAIL = LONG_TAIL_LIQUIDITY_USD_PER_SIDE
LONG_TAIL_POOLS: tuple[PoolSpec, ...] = (
    PoolSpec("USDT", "USDC", 100, _TAIL),
    PoolSpec("FRAX", "USDC", 100, _TAIL),
    PoolSpec("GUSD", "USDC", 100, _TAIL),
    PoolSpec("UNI", "WETH", 3000, _TAIL),
    PoolSpec("AAVE", "WETH", 3000, _TAIL),
    PoolSpec("MKR", "WETH", 3000, _TAIL),
    PoolSpec("COMP", "USDC", 3000, _TAIL),
    PoolSpec("CRV", "USDC", 3000, _TAIL),
    PoolSpec("SNX", "USDC", 10000, _TAIL),
    PoolSpec("LDO", "WETH", 3000, _TAIL),
    PoolSpec("ARB", "USDC", 3000, _TAIL),
    PoolSpec("OP", "USDC", 3000, _TAIL),
    PoolSpec("MATIC", "USDC", 3000, _TAIL),
    PoolSpec("GRT", "USDC", 10000, _TAIL),
    PoolSpec("SUSHI", "WETH", 3000, _TAIL),
    PoolSpec("BAL", "WETH", 10000, _TAIL),
    PoolSpec("YFI", "WETH", 3000, _TAIL),
    PoolSpec("1INCH", "USDC", 10000, _TAIL),
    PoolSpec("ENS", "WETH", 3000, _TAIL),
    PoolSpec("RPL", "WETH", 10000, _TAIL),
)

POOLS: tuple[PoolSpec, ...] = MAJOR_POOLS + LONG_TAIL_POOLS

VAULTS: tuple[VaultSpec, ...] = (
    VaultSpec(
        "twyUSDC",
        "Tradewind Yield USDC",
        "USDC",
        seed=Decimal(100_000),
        harvest=Decimal(5_000),
        apy=Decimal("0.045"),
    ),
    VaultSpec(
        "twyDAI",
        "Tradewind Yield DAI",
        "DAI",
        seed=Decimal(100_000),
        harvest=Decimal(2_000),
        apy=Decimal("0.03"),
    ),
)

# Fee tiers the canonical factory constructor does not enable (0.01 % came later by governance).
EXTRA_FEE_TIERS: dict[int, int] = {100: 1}


def token_spec(symbol: str) -> TokenSpec:
    """The token with ``symbol``; KeyError names it when the table has no such token."""
    for token in TOKENS:
        if token.symbol == symbol:
            return token
    raise KeyError(symbol)


def wrapped_native() -> TokenSpec:
    """The token that wraps the chain's native currency (WETH9)."""
    return next(token for token in TOKENS if token.wrapped_native)


@dataclass(frozen=True)
class TradingCaps:
    """A new trading vault's per-token limits in USD worth of the token sold; vaults take token units."""

    max_slippage_bps: int
    per_trade_usd: Decimal
    per_day_usd: Decimal
    signature_threshold_usd: Decimal


# Generous enough that local trading never trips them by accident, while a trade above the threshold
# still needs the owner's signature, so that path stays exercised.
TRADING_VAULT_CAPS = TradingCaps(
    max_slippage_bps=100,
    per_trade_usd=Decimal(50_000),
    per_day_usd=Decimal(200_000),
    signature_threshold_usd=Decimal(25_000),
)
