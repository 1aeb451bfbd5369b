"""ARNs as the schedule driver and the SQS poller read them: which service, region, account and resource."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

_ARN_PARTS = 6


class Arn(BaseModel):
    """The fields of ``arn:partition:service:region:account:resource``."""

    model_config = ConfigDict(frozen=True)

    partition: str
    service: str
    region: str
    account: str
    resource: str

    @classmethod
    def parse(cls, text: str) -> Arn:
        """Split an ARN; ``ValueError`` when ``text`` is not one."""
        parts = text.split(":", _ARN_PARTS - 1)
        if len(parts) != _ARN_PARTS or parts[0] != "arn":
            raise ValueError(f"not an ARN: {text!r}")
        return cls(partition=parts[1], service=parts[2], region=parts[3], account=parts[4], resource=parts[5])


def queue_url(sqs: Any, queue_arn: str) -> str:
    """The URL of the queue ``queue_arn`` names, asked of ``sqs`` (a boto3 SQS client)."""
    arn = Arn.parse(queue_arn)
    url: str = sqs.get_queue_url(QueueName=arn.resource, QueueOwnerAWSAccountId=arn.account)["QueueUrl"]
    return url
