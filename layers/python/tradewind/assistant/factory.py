"""Builds the insights and the assistant from the API's services; imported only on first use, since the
quoter and the yield reader bring eth_abi and httpx, and the model path the openai client."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from tradewind.assistant.intents import KnownChain
from tradewind.assistant.memory_repository import ConversationsRepository
from tradewind.assistant.model import ModelEngine
from tradewind.assistant.offline import OfflineEngine
from tradewind.assistant.service import AssistantService, Vocabulary
from tradewind.assistant.settings import AssistantSettings
from tradewind.assistant.tools import Ports, Tools
from tradewind.assistant.trade_plan import TradePlanner
from tradewind.assistant.vocabulary import CHAIN_ALIASES
from tradewind.aws.secrets import SecretValue
from tradewind.chains.batch import HttpxTransport
from tradewind.chains.registry import ChainRegistry
from tradewind.deployments.registry import ManifestSource
from tradewind.deployments.tokens import TokenService
from tradewind.errors import DependencyUnavailable, NotFound
from tradewind.insights.models import YieldOption
from tradewind.insights.service import InsightsService, PreferencesReader, VaultLister
from tradewind.market.service import MarketService
from tradewind.portfolio.service import PortfolioService
from tradewind.prices.service import PriceService
from tradewind.trading.models import TradeSide
from tradewind.trading.quote_models import Quote
from tradewind.trading.quotes import Quoter
from tradewind.trading.service import TradeService
from tradewind.yields.reader import VaultYieldReader
from tradewind.yields.settings import YieldSettings

if TYPE_CHECKING:
    from openai import OpenAI


class ChainQuoter:
    """The quoter addressed by chain key, as the tools name chains."""

    def __init__(self, quoter: Quoter, chains: ChainRegistry) -> None:
        self._quoter = quoter
        self._chains = chains

    def quote(self, chain: str, sell: str, buy: str, amount: Decimal, side: TradeSide) -> Quote:
        return self._quoter.quote(self._chains.get(chain), sell, buy, amount, side)


class YieldOptions:
    """The configured ERC-4626 vaults whose APY could be measured, with a deposit's gas in USD."""

    def __init__(self, reader: VaultYieldReader, chains: ChainRegistry, prices: PriceService) -> None:
        self._reader = reader
        self._chains = chains
        self._prices = prices

    def __call__(self) -> Sequence[YieldOption]:
        measured = [y for y in self._reader.yields(list(self._chains)) if y.apy is not None]
        natives = sorted({y.native.symbol for y in measured})
        prices = self._prices.prices(natives, partial=True) if natives else {}
        return [
            YieldOption(
                vault=y.vault,
                asset=y.asset,
                chain=y.chain,
                apy=y.apy,
                gas_usd=(y.gas_cost_native() * prices[y.native.symbol].usd).quantize(Decimal("0.01")),
            )
            for y in measured
            if y.apy is not None and y.native.symbol in prices
        ]


def build_insights(
    settings: YieldSettings,
    *,
    chains: ChainRegistry,
    manifests: ManifestSource,
    portfolio: PortfolioService,
    market: MarketService,
    preferences: PreferencesReader,
    vaults: VaultLister,
    prices: PriceService,
    rpc_timeout_s: float,
) -> tuple[InsightsService, YieldOptions]:
    reader = VaultYieldReader(
        manifests,
        HttpxTransport(rpc_timeout_s),
        lookback_blocks=settings.yield_lookback_blocks,
        deposit_gas=settings.yield_deposit_gas,
    )
    yields = YieldOptions(reader, chains, prices)
    return InsightsService(portfolio, market, preferences, vaults, yields), yields


def build_assistant(
    settings: AssistantSettings,
    *,
    conversations: ConversationsRepository,
    chains: ChainRegistry,
    manifests: ManifestSource,
    tokens: TokenService,
    vaults: VaultLister,
    portfolio: PortfolioService,
    prices: PriceService,
    market: MarketService,
    insights: InsightsService,
    yields: Callable[[], Sequence[YieldOption]],
    trades: TradeService,
    rpc_timeout_s: float,
    secret_cache_s: int,
    clock: Callable[[], datetime],
) -> AssistantService:
    keys = [chain.key for chain in chains]
    ports = Ports(
        portfolio=portfolio,
        prices=prices,
        market=market,
        insights=insights,
        quotes=ChainQuoter(Quoter(manifests, HttpxTransport(rpc_timeout_s), prices), chains),
        trades=trades,
        planner=TradePlanner(vaults, tokens, portfolio, prices, keys),
        yields=yields,
        proposal_wait_s=settings.assistant_proposal_wait_s,
    )
    toolbox = Tools(ports).toolbox()
    model = None
    if settings.model_configured:
        model = ModelEngine(
            _openai_client(settings, secret_cache_s),
            str(settings.assistant_model_name),
            toolbox,
            max_tool_rounds=settings.assistant_max_tool_rounds,
        )
    return AssistantService(
        conversations,
        OfflineEngine(toolbox),
        model,
        lambda: vocabulary(chains, tokens),
        clock,
        recent_turns=settings.assistant_recent_turns,
    )


def vocabulary(chains: ChainRegistry, tokens: TokenService) -> Vocabulary:
    """The symbols of every active chain's tokens (and their native coin), and the chains' names."""
    symbols = {chain.native.symbol for chain in chains}
    for chain in chains:
        try:
            symbols.update(token.symbol for token in tokens.list(chain.key))
        except (NotFound, DependencyUnavailable):
            continue  # a chain without a manifest yet adds no tokens
    known = tuple(
        KnownChain(key=chain.key, names=(chain.name, *CHAIN_ALIASES.get(chain.key, ()))) for chain in chains
    )
    return Vocabulary(symbols=frozenset(symbols), chains=known)


def _openai_client(settings: AssistantSettings, secret_cache_s: int) -> OpenAI:
    from openai import OpenAI  # noqa: PLC0415 - only a deployment with a model pays for the client

    key = SecretValue(str(settings.assistant_model_api_key_secret_id), max_age=secret_cache_s)
    return OpenAI(
        base_url=str(settings.assistant_model_base_url),
        api_key=key,  # a callable: read (and refreshed) from the secret store on each request
        timeout=settings.assistant_model_timeout_s,
        max_retries=1,
    )
