"""The API function's settings: the mixins of every context it serves."""

from __future__ import annotations

from tradewind.assistant.settings import AssistantSettings
from tradewind.config import (
    AccountsTableSettings,
    AuthSettings,
    ChainExecutorSettings,
    ChainSettings,
    DeploymentsSettings,
    SignerSettings,
    StageSettings,
)
from tradewind.portfolio.settings import PortfolioSettings
from tradewind.prices.settings import PriceSettings
from tradewind.risk.settings import RiskSettings
from tradewind.trading.settings import TradingSettings
from tradewind.yields.settings import YieldSettings


class ApiSettings(
    StageSettings,
    AccountsTableSettings,
    AuthSettings,
    SignerSettings,
    ChainSettings,
    DeploymentsSettings,
    ChainExecutorSettings,
    PriceSettings,
    PortfolioSettings,
    RiskSettings,
    TradingSettings,
    YieldSettings,
    AssistantSettings,
):
    """Everything the API function needs."""
