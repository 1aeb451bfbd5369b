"""/v1/auth: registration, login, refresh-token rotation and logout."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from tradewind.accounts.models import TokenPair, User
from tradewind.api.security import ServicesDep

router = APIRouter(prefix="/v1/auth", tags=["auth"])

_PROBLEM = {"description": "Problem details", "content": {"application/problem+json": {}}}


class Credentials(BaseModel):
    """An email and a password."""

    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=1024)


class RefreshRequest(BaseModel):
    """A refresh token from a login or a previous refresh."""

    model_config = ConfigDict(extra="forbid")

    refresh_token: str = Field(min_length=1, max_length=512)


@router.post("/register", status_code=201, response_model=User, responses={409: _PROBLEM, 422: _PROBLEM})
def register(body: Credentials, svc: ServicesDep) -> User:
    """Create an account."""
    return svc.accounts.register(body.email, body.password)


@router.post("/login", response_model=TokenPair, responses={401: _PROBLEM, 429: _PROBLEM})
def login(body: Credentials, svc: ServicesDep) -> TokenPair:
    """Start a session: an access token and a refresh token."""
    return svc.accounts.login(body.email, body.password)


@router.post("/refresh", response_model=TokenPair, responses={401: _PROBLEM})
def refresh(body: RefreshRequest, svc: ServicesDep) -> TokenPair:
    """Exchange a refresh token for a new pair; the old refresh token is spent."""
    return svc.accounts.refresh(body.refresh_token)


@router.post("/logout", status_code=204, response_class=Response, responses={401: _PROBLEM})
def logout(body: RefreshRequest, svc: ServicesDep) -> Response:
    """End the session the refresh token belongs to."""
    svc.accounts.logout(body.refresh_token)
    return Response(status_code=204)
