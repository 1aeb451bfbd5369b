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


@dataclass(frozen=True)
class PoolSpec:
    """A Uniswap V3 pool; the pair order here is for reading, the chain orders by address."""

    base: str
    quote: str
    fee: int

    @property
    def name(self) -> str:
        """``BASE/QUOTE``, as traders write it."""
        return f"{self.base}/{self.quote}"


@dataclass(frozen=True)
class VaultSpec:
    """A YieldVault: the deployer seeds it with ``seed`` assets, then harvests ``harvest`` as yield."""

    symbol: str
    name: str
    asset: str
    seed: Decimal
    harvest: Decimal


TOKENS: tuple[TokenSpec, ...] = (
    TokenSpec("WETH", "Wrapped Ether", 18, Decimal(3000), wrapped_native=True),
    TokenSpec("USDC", "USD Coin", 6, Decimal(1)),
    TokenSpec("WBTC", "Wrapped BTC", 8, Decimal(60000)),
    TokenSpec("DAI", "Dai Stablecoin", 18, Decimal(1)),
    TokenSpec("LINK", "ChainLink Token", 18, Decimal(15)),
)

POOLS: tuple[PoolSpec, ...] = (
    PoolSpec("WETH", "USDC", 500),
    PoolSpec("WBTC", "USDC", 3000),
    PoolSpec("WBTC", "WETH", 3000),
    PoolSpec("LINK", "WETH", 3000),
    PoolSpec("DAI", "USDC", 100),
)

VAULTS: tuple[VaultSpec, ...] = (
    VaultSpec("twyUSDC", "Tradewind Yield USDC", "USDC", seed=Decimal(100_000), harvest=Decimal(5_000)),
    VaultSpec("twyDAI", "Tradewind Yield DAI", "DAI", seed=Decimal(100_000), harvest=Decimal(2_000)),
)

# Each side of every pool, in USD. Full-range positions this deep keep a 1 WETH swap within
# ~0.2 % of the oracle price, and all pools together need ~2,000 ETH of the deployer's 10,000.
LIQUIDITY_USD_PER_SIDE = Decimal(2_000_000)

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
