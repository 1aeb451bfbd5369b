"""The sync's adapters: the SQS queue requests go to, and the repositories holders come from."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from botocore.exceptions import BotoCoreError, ClientError

from tradewind.aws.clients import client
from tradewind.errors import DependencyUnavailable
from tradewind.portfolio.sync import SyncRequest
from tradewind.vaults.dynamodb import DynamoVaultsRepository
from tradewind.vaults.models import Vault
from tradewind.wallets.dynamodb import DynamoWalletsRepository
from tradewind.wallets.models import Wallet

# SendMessageBatch takes at most ten entries.
SQS_BATCH_LIMIT = 10


class SqsSyncQueue:
    """SyncQueue on an SQS queue, ten messages per SendMessageBatch."""

    def __init__(self, queue_url: str) -> None:
        self._queue_url = queue_url

    def send(self, requests: Sequence[SyncRequest]) -> None:
        for first in range(0, len(requests), SQS_BATCH_LIMIT):
            chunk = requests[first : first + SQS_BATCH_LIMIT]
            entries = [{"Id": str(i), "MessageBody": r.model_dump_json()} for i, r in enumerate(chunk)]
            try:
                answer = client("sqs").send_message_batch(QueueUrl=self._queue_url, Entries=entries)
            except (BotoCoreError, ClientError) as e:
                raise DependencyUnavailable(f"SQS send failed: {e}", dependency="sqs") from e
            if answer.get("Failed"):
                codes = ", ".join(sorted({failure["Code"] for failure in answer["Failed"]}))
                raise DependencyUnavailable(
                    f"SQS refused {len(answer['Failed'])} of {len(entries)} sync requests: {codes}",
                    dependency="sqs",
                )


class RepositoryDirectory:
    """HolderDirectory over the wallets and vaults repositories."""

    def __init__(self) -> None:
        self._wallets = DynamoWalletsRepository()
        self._vaults = DynamoVaultsRepository()

    def wallets(self) -> Iterable[tuple[str, Wallet]]:
        return self._wallets.everyone()

    def vaults(self) -> Iterable[tuple[str, Vault]]:
        return self._vaults.everyone()
