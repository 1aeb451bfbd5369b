"""/v1/audit: the caller's hash-chained decision log, and its verification."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from tradewind.api.security import Reader, ServicesDep
from tradewind.audit.models import AuditPage, Verification
from tradewind.audit.service import MAX_PAGE

router = APIRouter(prefix="/v1/audit", tags=["audit"])


@router.get("", response_model=AuditPage)
def entries(
    principal: Reader,
    svc: ServicesDep,
    after: Annotated[int, Query(ge=0, description="Return entries after this sequence number")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> AuditPage:
    """The caller's entries, oldest first; pass ``next`` as ``after`` for the following page."""
    return svc.audit.entries(principal.user_id, after_seq=after, limit=limit)


@router.get("/verify", response_model=Verification)
def verify(principal: Reader, svc: ServicesDep) -> Verification:
    """Re-compute every hash of the caller's chain: ok, or the first bad sequence number and why."""
    return svc.audit.verify(principal.user_id)
