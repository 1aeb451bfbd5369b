"""/v1/preferences: the caller's risk tolerance, base currency and target allocation, for the assistant.

Reading needs ``read``; changing needs ``write``, as every other setting of the account.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response

from tradewind.api.security import Reader, ServicesDep, Writer
from tradewind.api.versioning import etag, if_match_version
from tradewind.preferences.models import Preferences, StoredPreferences

router = APIRouter(prefix="/v1", tags=["preferences"])


@router.get("/preferences", response_model=StoredPreferences)
def get_preferences(principal: Reader, svc: ServicesDep, response: Response) -> StoredPreferences:
    """The caller's preferences: the defaults (version 0) until they are set."""
    preferences = svc.preferences.preferences(principal.user_id)
    response.headers["ETag"] = etag(preferences.version)
    return preferences


@router.put("/preferences", response_model=StoredPreferences)
def put_preferences(
    body: Preferences,
    principal: Writer,
    svc: ServicesDep,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> StoredPreferences:
    """Replace all the preferences; 409 when If-Match names a version that is no longer current."""
    preferences = svc.preferences.replace(
        principal.user_id, body, if_match_version(if_match, "/v1/preferences")
    )
    response.headers["ETag"] = etag(preferences.version)
    return preferences
