"""Authentication dependencies: a bearer session or an X-API-Key, and the scope each route needs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from tradewind.accounts.models import Principal, Scope
from tradewind.api.container import Services
from tradewind.errors import Forbidden, Unauthenticated
from tradewind.observability import logger

_bearer = HTTPBearer(auto_error=False, description="Access token from POST /v1/auth/login")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="Secret from POST /v1/api-keys")


def services(request: Request) -> Services:
    """The services built at app creation."""
    built: Services = request.app.state.services
    return built


ServicesDep = Annotated[Services, Depends(services)]


def current_principal(
    svc: ServicesDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> Principal:
    """Whoever the credentials name; 401 without valid ones."""
    if bearer is not None:
        principal = svc.accounts.authenticate_bearer(bearer.credentials)
    elif api_key:
        principal = svc.accounts.authenticate_api_key(api_key)
    else:
        raise Unauthenticated("send an access token (Authorization: Bearer) or an API key (X-API-Key)")
    logger.append_keys(user_id=principal.user_id)
    return principal


def require_scope(scope: Scope) -> Callable[[Principal], Principal]:
    """A dependency admitting user sessions and API keys that hold ``scope``."""

    def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if scope not in principal.scopes:
            raise Forbidden(f"this API key lacks the '{scope.value}' scope")
        return principal

    return dependency


def require_user_session(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    """Admit user sessions only: API keys cannot manage API keys."""
    if not principal.is_user_session:
        raise Forbidden("this action needs a user session, not an API key")
    return principal


Reader = Annotated[Principal, Depends(require_scope(Scope.READ))]
Writer = Annotated[Principal, Depends(require_scope(Scope.WRITE))]
Trader = Annotated[Principal, Depends(require_scope(Scope.TRADE))]
UserSession = Annotated[Principal, Depends(require_user_session)]
