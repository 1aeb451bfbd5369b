"""/v1/risk/profile: the caller's trading limits and automation policy.

Reading needs ``read``; changing needs ``write``, not ``trade``: the profile bounds what a trading key
may do, so a key that only trades must not be able to widen its own limits or approve itself.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response

from tradewind.api.security import Reader, ServicesDep, Writer
from tradewind.errors import InvalidInput
from tradewind.risk.models import RiskProfile, StoredRiskProfile

router = APIRouter(prefix="/v1/risk", tags=["risk"])


def _etag(profile: StoredRiskProfile) -> str:
    return f'"{profile.version}"'


def _version(if_match: str | None) -> int | None:
    """The version an If-Match header names: ``"3"`` as GET's ETag, weak or bare forms accepted."""
    if if_match is None:
        return None
    tag = if_match.strip().removeprefix("W/").strip('"')
    if not tag.isdigit():
        raise InvalidInput('If-Match must be the ETag of GET /v1/risk/profile, such as "3"', field="If-Match")
    return int(tag)


@router.get("/profile", response_model=StoredRiskProfile)
def get_profile(principal: Reader, svc: ServicesDep, response: Response) -> StoredRiskProfile:
    """The caller's profile: the defaults (version 0) until one is set."""
    profile = svc.risk.profile(principal.user_id)
    response.headers["ETag"] = _etag(profile)
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
    profile = svc.risk.replace_profile(principal.user_id, body, _version(if_match))
    response.headers["ETag"] = _etag(profile)
    return profile
