"""The composition root: builds the services the routes use from the validated settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING

from tradewind.accounts.credentials import allow_reserved_email_domains
from tradewind.accounts.dynamodb import DynamoAccountsRepository
from tradewind.accounts.service import AccountService, LoginThrottle
from tradewind.accounts.tokens import AccessTokenIssuer
from tradewind.api.settings import ApiSettings
from tradewind.assistant.dynamodb import DynamoConversationsRepository
from tradewind.audit.dynamodb import DynamoAuditRepository
from tradewind.audit.service import AuditLog
from tradewind.aws.secrets import SecretValue
from tradewind.chains.registry import ChainRegistry
from tradewind.clock import utc_now
from tradewind.deployments.registry import ParameterManifestSource
from tradewind.deployments.tokens import TokenService
from tradewind.health.probes import ChainProbe, DynamoTableProbe, KmsKeyProbe, Probe
from tradewind.health.service import HealthService
from tradewind.market.service import MarketService
from tradewind.portfolio.factory import build_portfolio_service
from tradewind.portfolio.service import PortfolioService
from tradewind.preferences.dynamodb import DynamoPreferencesRepository
from tradewind.preferences.service import PreferencesService
from tradewind.prices.factory import build_price_service
from tradewind.prices.history import DynamoPriceHistory
from tradewind.prices.service import PriceService
from tradewind.risk.dynamodb import DynamoRiskProfilesRepository
from tradewind.risk.service import RiskService
from tradewind.storage.accounts_table import bind_accounts_table
from tradewind.trading.dynamodb import DynamoTradesRepository
from tradewind.trading.service import TradeService
from tradewind.trading.stepfunctions import StepFunctionsTradeFlow
from tradewind.vaults.dispatch import LambdaDispatcher
from tradewind.vaults.dynamodb import DynamoVaultsRepository
from tradewind.vaults.onchain import VaultStateReader
from tradewind.vaults.service import VaultService
from tradewind.wallets.dynamodb import DynamoWalletsRepository
from tradewind.wallets.service import WalletService

if TYPE_CHECKING:
    from tradewind.assistant.factory import YieldOptions
    from tradewind.assistant.service import AssistantService
    from tradewind.insights.service import InsightsService


@dataclass(frozen=True)
class Services:
    """What the API's routes depend on."""

    settings: ApiSettings
    chains: ChainRegistry
    accounts: AccountService
    wallets: WalletService
    tokens: TokenService
    vaults: VaultService
    prices: Callable[[], PriceService]
    portfolio: Callable[[], PortfolioService]
    market: Callable[[], MarketService]
    health: HealthService
    risk: RiskService
    preferences: PreferencesService
    audit: AuditLog
    trades: TradeService
    insights: Callable[[], InsightsService]
    assistant: Callable[[], AssistantService]


def build_services(settings: ApiSettings, clock: Callable[[], datetime] = utc_now) -> Services:
    """Wire the real adapters; nothing here talks to AWS until a request needs it."""
    if settings.stage == "local":
        allow_reserved_email_domains("local")  # the local demo account is demo@tradewind.local
    bind_accounts_table(settings.accounts_table)
    chains = ChainRegistry.select(settings.active_chains, settings.rpc_urls)
    access_tokens = AccessTokenIssuer(
        SecretValue(settings.jwt_secret_id, max_age=settings.secret_cache_s),
        ttl=timedelta(seconds=settings.access_token_ttl_s),
        clock=clock,
    )
    accounts = AccountService(
        DynamoAccountsRepository(),
        access_tokens,
        refresh_ttl=timedelta(seconds=settings.refresh_token_ttl_s),
        throttle=LoginThrottle(max_failures=settings.login_max_attempts, window_s=settings.login_window_s),
        clock=clock,
    )
    manifests = ParameterManifestSource(settings.deployments_parameter_path, settings.deployments_cache_s)
    probes: list[Probe] = [
        DynamoTableProbe(settings.accounts_table),
        KmsKeyProbe(settings.signer_key_id),
        *(ChainProbe(chain, settings.rpc_timeout_s) for chain in chains),
    ]
    wallets = WalletService(DynamoWalletsRepository(), chains, clock)
    tokens = TokenService(chains, manifests)
    audit = AuditLog(DynamoAuditRepository(), clock)
    # Built on the first price request: its TWAP source brings web3, which cold starts must not pay.
    prices = cache(lambda: build_price_service(settings, chains, manifests))
    vault_records = DynamoVaultsRepository()
    # Built on the first portfolio request: the holdings reader brings eth_abi. It lists vault
    # records from the repository, not VaultService, which reads each vault's state on chain.
    portfolio = cache(
        lambda: build_portfolio_service(
            settings,
            chains=chains,
            manifests=manifests,
            wallets=wallets,
            vaults=vault_records,
            prices=prices(),
            rpc_timeout_s=settings.rpc_timeout_s,
            clock=clock,
        )
    )
    market = cache(lambda: MarketService(prices(), DynamoPriceHistory(), clock))
    preferences = PreferencesService(DynamoPreferencesRepository(), clock)
    trades = TradeService(
        DynamoTradesRepository(),
        vault_records,
        tokens,
        StepFunctionsTradeFlow(settings.trade_state_machine_arn),
        audit=audit,
        clock=clock,
        approval_timeout_s=settings.approval_timeout_s,
        confirm_poll_s=settings.confirm_poll_s,
    )

    @cache
    def insights() -> tuple[InsightsService, YieldOptions]:
        from tradewind.assistant.factory import build_insights  # noqa: PLC0415 - brings eth_abi and httpx

        return build_insights(
            settings,
            chains=chains,
            manifests=manifests,
            portfolio=portfolio(),
            market=market(),
            preferences=preferences,
            vaults=vault_records,
            prices=prices(),
            rpc_timeout_s=settings.rpc_timeout_s,
        )

    @cache
    def assistant() -> AssistantService:
        from tradewind.assistant.factory import build_assistant  # noqa: PLC0415 - brings the quoter

        service, yields = insights()
        return build_assistant(
            settings,
            conversations=DynamoConversationsRepository(),
            chains=chains,
            manifests=manifests,
            tokens=tokens,
            vaults=vault_records,
            portfolio=portfolio(),
            prices=prices(),
            market=market(),
            insights=service,
            yields=yields,
            trades=trades,
            rpc_timeout_s=settings.rpc_timeout_s,
            secret_cache_s=settings.secret_cache_s,
            clock=clock,
        )

    return Services(
        settings=settings,
        chains=chains,
        accounts=accounts,
        wallets=wallets,
        tokens=tokens,
        vaults=VaultService(
            vault_records,
            chains=chains,
            manifests=manifests,
            dispatcher=LambdaDispatcher(settings.chain_executor_function),
            reader=VaultStateReader(settings.rpc_timeout_s),
            clock=clock,
        ),
        prices=prices,
        portfolio=portfolio,
        market=market,
        health=HealthService(probes),
        risk=RiskService(DynamoRiskProfilesRepository(), settings.risk_deny_list, clock),
        preferences=preferences,
        audit=audit,
        trades=trades,
        insights=lambda: insights()[0],
        assistant=assistant,
    )
