"""GET /health: the state of every dependency."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from tradewind.api.problems import problem_response
from tradewind.api.security import ServicesDep
from tradewind.health.service import HealthReport

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    response_model=HealthReport,
    responses={503: {"description": "A dependency is down (problem+json naming it)"}},
)
def health(request: Request, svc: ServicesDep) -> HealthReport | JSONResponse:
    """200 when every dependency answers; 503 naming the ones that do not."""
    report = svc.health.check()
    if report.failed:
        return problem_response(
            request,
            503,
            "dependency_unavailable",
            f"down: {', '.join(report.failed)}",
            failed=report.failed,
            dependencies=report.model_dump(mode="json")["dependencies"],
        )
    return report
