"""/v1/risk/profile: the caller's trading limits and automation policy.

Reading needs ``read``; changing needs ``write``, not ``trade``: the profile bounds what a trading key
may do, so a key that only trades must not be able to widen its own limits or approve itself.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response

from tradewind.api.security import Reader, ServicesDep, Writer
from tradewind.api.versioning import etag, if_match_version
from tradewind.risk.models import RiskProfile, StoredRiskProfile

router = APIRouter(prefix="/v1/risk", tags=["risk"])


@router.get("/profile", response_model=StoredRiskProfile)
def get_profile(principal: Reader, svc: ServicesDep, response: Response) -> StoredRiskProfile:
    """The caller's profile: the defaults (version 0) until one is set."""
    profile = svc.risk.profile(principal.user_id)
    response.headers["ETag"] = etag(profile.version)
    return profile


@router.put("/profile", response_model=StoredRiskProfile)
def put_profile(
    body: RiskProfile,
    principal: Writer,
    svc: ServicesDep,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> StoredRiskProfile:
    """Replace the whole profile; 409 when If-Match names a version that is no longer current."""
    profile = svc.risk.replace_profile(
        principal.user_id, body, if_match_version(if_match, "/v1/risk/profile")
    )
    response.headers["ETag"] = etag(profile.version)
    return profile
