"""The scheduled portfolio sync: a planner on a schedule fans out to a queue, one message per holder.

EventBridge rule (every SYNC_RATE_MINUTES) -> planner function -> sync queue -> sync function
(batches, partial batch failures) -> after SYNC_MAX_RECEIVE_COUNT failures, the dead-letter queue,
whose depth raises an alarm.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from tradewind_cdk.constants import (
    ENV_SYNC_QUEUE_URL,
    FUNCTIONS_DIR,
    PORTFOLIO_SYNC_SERVICE_NAME,
    PORTFOLIO_SYNC_TIMEOUT_S,
    SYNC_BATCH_SIZE,
    SYNC_BATCHING_WINDOW_S,
    SYNC_MAX_RECEIVE_COUNT,
    SYNC_PLANNER_SERVICE_NAME,
    SYNC_RATE_MINUTES,
)
from tradewind_cdk.constructs.function import TradewindFunction
from tradewind_cdk.environment import chain_data_environment
from tradewind_cdk.grants import grant_deployments_read
from tradewind_cdk.stage import StageSettings

# SQS's advice for a Lambda source: hide a message for six times the function's timeout.
_VISIBILITY_PER_TIMEOUT = 6


class PortfolioSync(Construct):
    """The sync's schedule, queues and two functions."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StageSettings,
        layers: Sequence[lambda_.ILayerVersion],
        accounts_table: dynamodb.ITable,
    ) -> None:
        super().__init__(scope, construct_id)
        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        self.queue = sqs.Queue(
            self,
            "Queue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            visibility_timeout=Duration.seconds(PORTFOLIO_SYNC_TIMEOUT_S * _VISIBILITY_PER_TIMEOUT),
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=self.dead_letter_queue, max_receive_count=SYNC_MAX_RECEIVE_COUNT
            ),
        )
        self.planner = TradewindFunction(
            self,
            "Planner",
            settings=settings,
            code_dir=FUNCTIONS_DIR / "sync_planner",
            handler="handler.handler",
            service_name=SYNC_PLANNER_SERVICE_NAME,
            description=f"Tradewind sync planner: one message per holder ({settings.name})",
            layers=layers,
            timeout=Duration.seconds(PORTFOLIO_SYNC_TIMEOUT_S),
            environment={
                **chain_data_environment(settings, accounts_table, manifests=False),
                ENV_SYNC_QUEUE_URL: self.queue.queue_url,
            },
        )
        accounts_table.grant_read_data(self.planner.role)
        self.queue.grant_send_messages(self.planner.role)
        self.schedule = events.Rule(
            self,
            "Schedule",
            description=f"Tradewind portfolio sync ({settings.name})",
            schedule=events.Schedule.rate(Duration.minutes(SYNC_RATE_MINUTES)),
            targets=[targets.LambdaFunction(self.planner.function, retry_attempts=2)],
        )

        self.worker = TradewindFunction(
            self,
            "Worker",
            settings=settings,
            code_dir=FUNCTIONS_DIR / "portfolio_sync",
            handler="handler.handler",
            service_name=PORTFOLIO_SYNC_SERVICE_NAME,
            description=f"Tradewind portfolio sync: refreshes holders ({settings.name})",
            layers=layers,
            memory_size=512,
            timeout=Duration.seconds(PORTFOLIO_SYNC_TIMEOUT_S),
            environment=chain_data_environment(settings, accounts_table),
        )
        accounts_table.grant_read_write_data(self.worker.role)
        grant_deployments_read(self.worker.role, settings.name)
        self.worker.function.add_event_source(
            event_sources.SqsEventSource(
                self.queue,
                batch_size=SYNC_BATCH_SIZE,
                max_batching_window=Duration.seconds(SYNC_BATCHING_WINDOW_S),
                report_batch_item_failures=True,
            )
        )
        self.dead_letter_alarm = cloudwatch.Alarm(
            self,
            "DeadLetterAlarm",
            alarm_description="Portfolio sync requests failed every retry: a chain or a dependency is down",
            metric=self.dead_letter_queue.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(5)
            ),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
