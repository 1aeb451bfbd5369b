"""/v1/api-keys: keys for bots and partners (managed from a user session only)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from tradewind.accounts.models import ApiKey, NewApiKey, Scope
from tradewind.api.security import ServicesDep, UserSession

router = APIRouter(prefix="/v1/api-keys", tags=["api-keys"])


class CreateApiKey(BaseModel):
    """A name to recognise the key by and the scopes it grants."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64)
    scopes: list[Scope] = Field(min_length=1)


class ApiKeyList(BaseModel):
    """The caller's keys (never their secrets)."""

    items: list[ApiKey]


@router.post("", status_code=201, response_model=NewApiKey)
def create_api_key(body: CreateApiKey, principal: UserSession, svc: ServicesDep) -> NewApiKey:
    """Create a key; its ``secret`` is in this response only."""
    return svc.accounts.create_api_key(principal.user_id, body.name, body.scopes)


@router.get("", response_model=ApiKeyList)
def list_api_keys(principal: UserSession, svc: ServicesDep) -> ApiKeyList:
    """The caller's keys."""
    return ApiKeyList(items=svc.accounts.list_api_keys(principal.user_id))


@router.delete("/{key_id}", status_code=204, response_class=Response)
def delete_api_key(key_id: str, principal: UserSession, svc: ServicesDep) -> Response:
    """Revoke a key at once."""
    svc.accounts.delete_api_key(principal.user_id, key_id)
    return Response(status_code=204)
