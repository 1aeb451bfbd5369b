"""/v1/me: who the caller is."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from tradewind.accounts.models import Scope
from tradewind.api.security import Reader, ServicesDep

router = APIRouter(prefix="/v1", tags=["accounts"])


class Me(BaseModel):
    """The caller's account and how they authenticated."""

    id: str
    email: str
    created_at: datetime
    auth: Literal["session", "api_key"]
    scopes: list[Scope]


@router.get("/me", response_model=Me)
def me(principal: Reader, svc: ServicesDep) -> Me:
    """The authenticated user."""
    user = svc.accounts.get_user(principal.user_id)
    return Me(
        **user.model_dump(),
        auth="session" if principal.is_user_session else "api_key",
        scopes=sorted(principal.scopes),
    )
