"""The DynamoDB tables: the accounts single table, the Powertools idempotency store, the chain table."""

from __future__ import annotations

from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from tradewind_cdk.constants import (
    ACCOUNTS_TABLE_ID,
    CHAIN_TABLE_ID,
    IDEMPOTENCY_KEY,
    IDEMPOTENCY_TABLE_ID,
    IDEMPOTENCY_TTL_ATTRIBUTE,
    PARTITION_KEY,
    SORT_KEY,
    TTL_ATTRIBUTE,
)
from tradewind_cdk.stage import StageSettings

_STRING = dynamodb.AttributeType.STRING


class DataStore(Construct):
    """Every table; names are left to CloudFormation so stages and stacks never collide."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: StageSettings) -> None:
        super().__init__(scope, construct_id)
        self._settings = settings
        self.accounts_table = self._table(ACCOUNTS_TABLE_ID, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE)
        # Nonce counters and sent-transaction records of the chain package (tradewind.chain.table).
        self.chain_table = self._table(CHAIN_TABLE_ID, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE)
        self.idempotency_table = self._table(
            IDEMPOTENCY_TABLE_ID, IDEMPOTENCY_KEY, None, IDEMPOTENCY_TTL_ATTRIBUTE
        )

    def _table(
        self, table_id: str, partition_key: str, sort_key: str | None, ttl_attribute: str
    ) -> dynamodb.Table:
        """An on-demand table with point-in-time recovery and a TTL attribute."""
        # dynamodb.Table, not TableV2: the local cloud's CloudFormation skips AWS::DynamoDB::GlobalTable.
        return dynamodb.Table(
            self,
            table_id,
            partition_key=dynamodb.Attribute(name=partition_key, type=_STRING),
            sort_key=dynamodb.Attribute(name=sort_key, type=_STRING) if sort_key else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            time_to_live_attribute=ttl_attribute,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            removal_policy=self._settings.removal_policy,
        )
