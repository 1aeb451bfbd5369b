"""Sync planner function: on its schedule, enqueues one sync request per watched wallet and vault."""

from __future__ import annotations

from typing import Any

from tradewind.coldstart import initialising

with initialising():
    from aws_lambda_powertools.metrics import MetricUnit
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from tradewind.observability import logger, metrics, tracer
    from tradewind.portfolio.sync import plan_sync
    from tradewind.portfolio.sync_factory import SyncPlannerSettings
    from tradewind.portfolio.sync_queue import RepositoryDirectory, SqsSyncQueue
    from tradewind.storage.accounts_table import bind_accounts_table

    _settings = SyncPlannerSettings.from_environment()
    bind_accounts_table(_settings.accounts_table)
    _directory = RepositoryDirectory()
    _queue = SqsSyncQueue(_settings.sync_queue_url)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    """Plan one round of the sync (the scheduled event carries nothing the plan needs)."""
    sent = plan_sync(_directory, set(_settings.active_chains), _queue, _settings.sync_plan_page)
    metrics.add_metric(name="SyncRequestsSent", unit=MetricUnit.Count, value=sent)
    return {"sent": sent}
