"""The FastAPI application factory shared by the Lambda handler and the local server."""

from __future__ import annotations

from fastapi import FastAPI

from tradewind.api.container import Services, build_services
from tradewind.api.middleware import RequestContextMiddleware
from tradewind.api.problems import register_problem_handlers
from tradewind.api.routes import (
    api_keys,
    assistant,
    audit,
    auth,
    chains,
    health,
    market,
    me,
    portfolio,
    preferences,
    recommendations,
    risk,
    tokens,
    trades,
    vaults,
    wallets,
)
from tradewind.api.settings import ApiSettings


def create_app(settings: ApiSettings | None = None, services: Services | None = None) -> FastAPI:
    """The API, configured from the environment unless settings or services are given."""
    app = FastAPI(
        title="Tradewind API",
        version="1.0.0",
        description="Multi-chain DeFi portfolio, assistant and trade execution.",
    )
    app.state.services = services or build_services(settings or ApiSettings.from_environment())
    app.add_middleware(RequestContextMiddleware)
    register_problem_handlers(app)
    routes = (
        health,
        auth,
        me,
        api_keys,
        chains,
        tokens,
        wallets,
        vaults,
        market,
        portfolio,
        risk,
        preferences,
        trades,
        audit,
        recommendations,
        assistant,
    )
    for module in routes:
        app.include_router(module.router)
    return app
