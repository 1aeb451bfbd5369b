"""Functions, queues, mappings and rules made directly in a local cloud's emulator for one test, then removed.

They stand in for resources the CDK stack does not have (yet), so the local cloud's drivers can
be tested against real emulator resources. Function code is ``tests/support/lambdas``, uploaded
as a Lambda asset and staged with the in-process runtime, as the deployer does for the stack's.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from localcloud import LocalCloud
from localcloud.assets import StagedAsset

HANDLERS_DIR = Path(__file__).resolve().parent / "lambdas"
HANDLER_MODULE = "recorder"
_LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


@dataclass(frozen=True)
class ScratchFunction:
    """A function whose handler writes every event it gets, one JSON line each, to ``record_file``."""

    name: str
    arn: str
    record_file: Path

    def events(self) -> list[dict[str, Any]]:
        """The events the function got so far, oldest first."""
        if not self.record_file.exists():
            return []
        return [json.loads(line) for line in self.record_file.read_text().splitlines()]


@dataclass(frozen=True)
class ScratchQueue:
    """A queue's name, URL and ARN."""

    name: str
    url: str
    arn: str


class EmulatorResources:
    """Makes resources with names unique to this instance; ``remove_all`` deletes them, newest first."""

    def __init__(self, cloud: LocalCloud, work_dir: Path) -> None:
        self._cloud = cloud
        self._work_dir = work_dir
        self._suffix = uuid.uuid4().hex[:8]
        self._undo: list[Callable[[], object]] = []
        self._lambda = cloud.aws.client("lambda")
        self._sqs = cloud.aws.client("sqs")
        self._events = cloud.aws.client("events")
        self._code: dict[str, str] | None = None

    def function(self, handler: str, environment: Mapping[str, str] | None = None) -> ScratchFunction:
        """A function running ``recorder.<handler>``, with ``environment`` and its own record file."""
        name = f"scratch-{handler.replace('_', '-')}-{self._suffix}-{len(self._undo)}"
        record_file = self._work_dir / f"{name}.jsonl"
        variables = {**(environment or {}), "RECORD_FILE": str(record_file)}
        created = self._lambda.create_function(
            FunctionName=name,
            Runtime="python3.11",
            Role=self._role_arn(),
            Handler=f"{HANDLER_MODULE}.{handler}",
            Code=self._staged_code(),
            Timeout=30,
            Environment={"Variables": variables},
        )
        self._undo.append(lambda: self._lambda.delete_function(FunctionName=name))
        return ScratchFunction(name=name, arn=created["FunctionArn"], record_file=record_file)

    def queue(
        self,
        visibility_timeout_s: int = 0,
        dead_letter: ScratchQueue | None = None,
        max_receive_count: int = 2,
    ) -> ScratchQueue:
        """A standard queue; with ``dead_letter``, messages go there after ``max_receive_count`` receives."""
        name = f"scratch-{self._suffix}-{len(self._undo)}"
        attributes = {"VisibilityTimeout": str(visibility_timeout_s)}
        if dead_letter is not None:
            attributes["RedrivePolicy"] = json.dumps(
                {"deadLetterTargetArn": dead_letter.arn, "maxReceiveCount": max_receive_count}
            )
        url: str = self._sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn: str = self._sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        self._undo.append(lambda: self._sqs.delete_queue(QueueUrl=url))
        return ScratchQueue(name=name, url=url, arn=arn)

    def mapping(self, queue: ScratchQueue, function: ScratchFunction, **settings: Any) -> str:
        """An event source mapping from ``queue`` to ``function`` with ``settings``; its UUID."""
        created = self._lambda.create_event_source_mapping(
            EventSourceArn=queue.arn, FunctionName=function.arn, **settings
        )
        mapping_uuid: str = created["UUID"]
        self._undo.append(lambda: self._lambda.delete_event_source_mapping(UUID=mapping_uuid))
        return mapping_uuid

    def rule(self, targets: list[dict[str, Any]], schedule: str = "rate(5 minutes)") -> str:
        """An enabled rule on the default bus with ``schedule`` and ``targets``; its name."""
        name = f"scratch-{self._suffix}-{len(self._undo)}"
        self._events.put_rule(Name=name, ScheduleExpression=schedule, State="ENABLED")
        self._events.put_targets(Rule=name, Targets=targets)
        target_ids = [target["Id"] for target in targets]

        def remove() -> None:
            self._events.remove_targets(Rule=name, Ids=target_ids)
            self._events.delete_rule(Name=name)

        self._undo.append(remove)
        return name

    def remove_all(self) -> None:
        """Delete everything made, newest first (mappings before their queues and functions)."""
        while self._undo:
            self._undo.pop()()

    def _role_arn(self) -> str:
        iam = self._cloud.aws.client("iam")
        name = f"scratch-function-{self._suffix}"
        try:
            arn: str = iam.get_role(RoleName=name)["Role"]["Arn"]
        except iam.exceptions.NoSuchEntityException:
            arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(_LAMBDA_TRUST))["Role"][
                "Arn"
            ]
            self._undo.append(lambda: iam.delete_role(RoleName=name))
        return arn

    def _staged_code(self) -> dict[str, str]:
        """The handlers as a Lambda asset in S3, staged with the runtime under the same key."""
        if self._code is None:
            sources = sorted(HANDLERS_DIR.glob("*.py"))
            asset_hash = hashlib.sha256(b"".join(source.read_bytes() for source in sources)).hexdigest()
            asset = StagedAsset(asset_hash=asset_hash, object_key=f"{asset_hash}.zip", path=HANDLERS_DIR)
            bucket = f"scratch-assets-{self._suffix}"
            s3 = self._cloud.aws.client("s3")
            s3.create_bucket(Bucket=bucket)
            s3.put_object(Bucket=bucket, Key=asset.object_key, Body=asset.zip_bytes())
            self._undo.append(lambda: s3.delete_bucket(Bucket=bucket))
            self._undo.append(lambda: s3.delete_object(Bucket=bucket, Key=asset.object_key))
            self._cloud.lambda_runtime.add_assets({asset.object_key: asset})
            self._code = {"S3Bucket": bucket, "S3Key": asset.object_key}
        return self._code
