"""/v1/recommendations: what the assistant would advise now, with the numbers behind each piece of advice."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from tradewind.api.security import Reader, ServicesDep

router = APIRouter(prefix="/v1", tags=["assistant"])


class RecommendationsView(BaseModel):
    """The recommendations and the portfolio analysis they rest on; ``analysis`` is None (with
    ``unavailable``) when there is nothing priced to analyse."""

    as_of: datetime
    total_usd: Decimal
    analysis: dict[str, Any] | None
    unavailable: str | None
    recommendations: list[dict[str, Any]]


@router.get("/recommendations", response_model=RecommendationsView)
def get_recommendations(principal: Reader, svc: ServicesDep) -> RecommendationsView:
    """Rebalancing, concentration and yield advice; each swap comes as a trade ready to submit."""
    from tradewind.insights.service import recommendation_view  # noqa: PLC0415 - kept off the cold start

    insights = svc.insights().recommendations(principal.user_id)
    return RecommendationsView(
        as_of=insights.as_of,
        total_usd=insights.total_usd,
        analysis=None if insights.analysis is None else insights.analysis.model_dump(mode="json"),
        unavailable=insights.unavailable,
        recommendations=[recommendation_view(r) for r in insights.recommendations],
    )
