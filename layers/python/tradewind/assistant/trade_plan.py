"""Turning "half my ETH on the L2" into an exact trade: which vault, which tokens, how many units.

Decisions:
- Trades run from the user's trading vaults, so "my ETH" is what a vault holds. A vault holds
  ERC-20s only: the chain's native coin is traded as its wrapped token (ETH as WETH).
- No chain named: the active vault holding the most of the token sold; one named: that chain's vault.
- A percentage is of that vault's balance of the token sold; a USD amount is converted at the
  price service's price of the token sold. Both round down, to the token's decimals (at most 8
  places), so a plan never sells more than was asked or than is held.
- An amount in the token bought ("buy 10 LINK") fixes the output: the trade is exact-out.
- A quote needs no vault: without one it is priced on the chain named, or the first active chain.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_DOWN, Decimal
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

from tradewind.deployments.manifest import TokenEntry
from tradewind.errors import InvalidInput, NotFound
from tradewind.portfolio.models import Portfolio
from tradewind.prices.models import Price
from tradewind.trading.models import TradeSide
from tradewind.vaults.models import Vault, VaultStatus

AmountUnit = Literal["tokens", "percent", "usd"]
_MAX_PLACES = 8


class VaultLister(Protocol):
    def list(self, user_id: str) -> list[Vault]: ...


class TokenLister(Protocol):
    def list(self, chain_key: str) -> tuple[TokenEntry, ...]: ...


class PortfolioReader(Protocol):
    def portfolio(self, user_id: str) -> Portfolio: ...


class PriceReader(Protocol):
    def prices(self, symbols: Sequence[str], *, partial: bool = False) -> dict[str, Price]: ...


class TradePlan(BaseModel):
    """An exact trade: ``amount`` is in ``sell`` units for exact-in, ``buy`` units for exact-out."""

    model_config = ConfigDict(frozen=True)

    chain: str
    vault_id: str | None
    sell: str
    buy: str
    amount: Decimal
    side: TradeSide
    held: Decimal | None = None  # the vault's balance of ``sell``, when the amount was a share of it


class TradePlanner:
    """Resolves what the user said into a ``TradePlan``."""

    def __init__(
        self,
        vaults: VaultLister,
        tokens: TokenLister,
        portfolio: PortfolioReader,
        prices: PriceReader,
        chains: Sequence[str],
    ) -> None:
        self._vaults = vaults
        self._tokens = tokens
        self._portfolio = portfolio
        self._prices = prices
        self._chains = tuple(chains)

    def plan(
        self,
        user_id: str,
        sell: str,
        buy: str,
        amount: Decimal,
        unit: AmountUnit,
        *,
        chain: str | None = None,
        amount_token: str | None = None,
        needs_vault: bool,
    ) -> TradePlan:
        """The exact trade; NotFound or InvalidInput say what is missing (no vault, unknown token...)."""
        if chain is not None and chain not in self._chains:
            raise InvalidInput(f"{chain} is not an active chain; the chains are {', '.join(self._chains)}")
        if amount <= 0 or (unit == "percent" and amount > 100):
            raise InvalidInput("the amount must be positive, and a percentage at most 100", field="amount")
        active = [v for v in self._vaults.list(user_id) if v.status is VaultStatus.ACTIVE]
        portfolio = self._portfolio.portfolio(user_id) if active else None
        key = chain or self._default_chain(active, sell, portfolio)
        sell_token, buy_token = self._token(key, sell), self._token(key, buy)
        if sell_token.symbol == buy_token.symbol:
            raise InvalidInput("the trade sells and buys the same token", field="buy")
        vault = next((v for v in active if v.chain == key), None)
        if vault is None and (needs_vault or unit == "percent"):
            raise NotFound(f"you have no active trading vault on {key}; create one with POST /v1/vaults")
        held = _vault_balance(portfolio, vault, sell_token.symbol) if vault is not None else None
        bought = amount_token is not None and vault_symbol(amount_token) == buy_token.symbol
        side = TradeSide.EXACT_OUT if unit == "tokens" and bought else TradeSide.EXACT_IN
        units = self._units(amount, unit, sell_token, held)
        if side is TradeSide.EXACT_IN and held is not None and needs_vault and units > held:
            raise InvalidInput(
                f"the vault holds {held} {sell_token.symbol}, less than {units}", field="amount"
            )
        return TradePlan(
            chain=key,
            vault_id=vault.id if vault else None,
            sell=sell_token.symbol,
            buy=buy_token.symbol,
            amount=units,
            side=side,
            held=held if unit == "percent" else None,
        )

    def _default_chain(self, active: Sequence[Vault], sell: str, portfolio: Portfolio | None) -> str:
        if not active:
            if not self._chains:
                raise NotFound("no chain is active")
            return self._chains[0]
        symbol = vault_symbol(sell)
        return max(active, key=lambda v: _vault_balance(portfolio, v, symbol)).chain

    def _token(self, chain: str, symbol: str) -> TokenEntry:
        wanted = vault_symbol(symbol)
        match = next((t for t in self._tokens.list(chain) if t.symbol.upper() == wanted), None)
        if match is None:
            raise NotFound(f"{symbol} is not a token the vaults trade on {chain}")
        return match

    def _units(self, amount: Decimal, unit: AmountUnit, sell: TokenEntry, held: Decimal | None) -> Decimal:
        places = Decimal(1).scaleb(-min(sell.decimals, _MAX_PLACES))
        if unit == "tokens":
            return amount
        if unit == "percent":
            if not held:
                raise InvalidInput(f"the vault holds no {sell.symbol}", field="amount")
            units = (held * amount / 100).quantize(places, rounding=ROUND_DOWN)
        else:
            price = self._prices.prices([sell.symbol])[sell.symbol]
            units = (amount / price.usd).quantize(places, rounding=ROUND_DOWN)
        if units <= 0:
            raise InvalidInput(f"that is less than the smallest amount of {sell.symbol}", field="amount")
        return units


def vault_symbol(symbol: str) -> str:
    """The token a vault trades for ``symbol``: the wrapped coin for the native one (every chain we
    list uses ETH), upper-cased."""
    upper = symbol.upper()
    return "WETH" if upper == "ETH" else upper


def _vault_balance(portfolio: Portfolio | None, vault: Vault, symbol: str) -> Decimal:
    return Decimal(0) if portfolio is None else portfolio.token_balance(vault.id, vault.chain, symbol)
