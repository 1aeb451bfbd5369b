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
        # dynamodb.Table, not TableV2: the local cloud's CloudFormation skips AWS::DynamoDB::GlobalTable.
        self.accounts_table = dynamodb.Table(
            self,
            ACCOUNTS_TABLE_ID,
            partition_key=dynamodb.Attribute(name=PARTITION_KEY, type=_STRING),
            sort_key=dynamodb.Attribute(name=SORT_KEY, type=_STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            time_to_live_attribute=TTL_ATTRIBUTE,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            removal_policy=settings.removal_policy,
        )
        # Nonce counters and sent-transaction records of the chain package (tradewind.chain.table).
        self.chain_table = dynamodb.Table(
            self,
            CHAIN_TABLE_ID,
            partition_key=dynamodb.Attribute(name=PARTITION_KEY, type=_STRING),
            sort_key=dynamodb.Attribute(name=SORT_KEY, type=_STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            time_to_live_attribute=TTL_ATTRIBUTE,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            removal_policy=settings.removal_policy,
        )
        self.idempotency_table = dynamodb.Table(
            self,
            IDEMPOTENCY_TABLE_ID,
            partition_key=dynamodb.Attribute(name=IDEMPOTENCY_KEY, type=_STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            time_to_live_attribute=IDEMPOTENCY_TTL_ATTRIBUTE,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            removal_policy=settings.removal_policy,
        )
