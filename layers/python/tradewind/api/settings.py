"""The API function's settings: the mixins of every context it serves."""

from __future__ import annotations

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
):
    """Everything the API function needs."""
