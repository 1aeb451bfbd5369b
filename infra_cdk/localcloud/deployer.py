"""Deploy a CDK-synthesised template into the emulator's CloudFormation, then close the gaps moto leaves."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict

from localcloud import moto_stack
from localcloud.assets import StagedAsset, read_assets
from localcloud.aws import AwsEndpoint
from localcloud.creators import CREATORS, Creator
from localcloud.errors import DeployFailed, UnsupportedResources
from localcloud.template import (
    CreatedResource,
    NotStatic,
    Template,
    references,
    resolve_static,
    substitute,
    without_bootstrap_checks,
)

logger = logging.getLogger(__name__)


class Deployment(BaseModel):
    """A deployed stack: its outputs and the physical id of every resource."""

    model_config = ConfigDict(frozen=True)

    stack_name: str
    stack_id: str
    outputs: dict[str, str]
    physical_ids: dict[str, str]
    created_by_localcloud: dict[str, str]


class Deployer:
    """Deploys templates into one emulator; ``creators`` make what moto's CloudFormation skips."""

    def __init__(self, aws: AwsEndpoint, creators: Mapping[str, Creator] = CREATORS) -> None:
        self._aws = aws
        self._creators = dict(creators)

    def deploy(self, template_path: Path, stack_name: str | None = None) -> Deployment:
        """Deploy ``<Stack>.template.json`` with its staged assets; the stack name defaults to the file's."""
        name = stack_name or template_path.name.removesuffix(".template.json")
        template = without_bootstrap_checks(json.loads(template_path.read_text()))
        self.upload_assets(template, read_assets(template_path))
        return self.deploy_template(template, name)

    def deploy_template(self, template: Template, stack_name: str) -> Deployment:
        """Deploy a template dict whose assets, if any, are already uploaded."""
        moto_stack.install_physical_ids()
        resources: dict[str, Any] = template.get("Resources", {})
        skipped = {lid: r["Type"] for lid, r in resources.items() if not moto_stack.is_supported(r["Type"])}
        no_creator = {lid: kind for lid, kind in skipped.items() if kind not in self._creators}
        if no_creator:
            raise UnsupportedResources(
                "moto's CloudFormation skips these and no creator is registered", no_creator
            )
        template, early = self._settle_references(template, skipped, stack_name)
        stack_id = self._create_stack(template, stack_name)
        stack = moto_stack.find_stack(stack_id)
        moto_stack.repair_kms_keys(stack)
        late = self._create_missing(template, stack_id, stack)
        moto_stack.adopt(stack, [*early.values(), *late])
        self._register_state_machines(template, stack)
        return self._describe(
            stack_name, stack_id, {r.logical_id: r.resource_type for r in [*early.values(), *late]}
        )

    def upload_assets(self, template: Template, assets: Mapping[str, StagedAsset]) -> None:
        """Put every asset the template's resources name (``S3Bucket``/``S3Key``) into that bucket."""
        s3 = self._aws.client("s3")
        pseudo = self._pseudo_parameters("")
        for bucket, key in _asset_locations(template.get("Resources", {}), pseudo):
            if key not in assets:
                raise DeployFailed(f"the template refers to s3://{bucket}/{key}, which is not a staged asset")
            try:
                s3.create_bucket(Bucket=bucket)
            except ClientError as e:
                if e.response["Error"]["Code"] != "BucketAlreadyOwnedByYou":
                    raise
            s3.put_object(Bucket=bucket, Key=key, Body=assets[key].zip_bytes())

    def _pseudo_parameters(self, stack_name: str) -> dict[str, str]:
        account = self._aws.client("sts").get_caller_identity()["Account"]
        return {
            "AWS::AccountId": account,
            "AWS::Region": self._aws.region,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": stack_name,
        }

    def _settle_references(
        self, template: Template, skipped: Mapping[str, str], stack_name: str
    ) -> tuple[Template, dict[str, CreatedResource]]:
        """Give each reference from a supported resource to a skipped one a value before the stack exists.

        moto resolves a reference to a skipped resource to None, which breaks the referring
        resource (an IAM policy naming a None resource fails the whole stack). A ``Ref`` whose value
        follows from the properties (a Stage's name) is replaced by that value and the resource is
        created after the stack; otherwise the resource is created first, from static properties,
        and removed from the template. Returns the new template and the resources created first.
        """
        resources: dict[str, Any] = template.get("Resources", {})
        referenced: set[str] = set()
        for logical_id, resource in resources.items():
            if logical_id not in skipped:
                referenced |= references(resource.get("Properties", {})) & skipped.keys()
        pseudo = self._pseudo_parameters(stack_name)
        values: dict[str, CreatedResource] = {}
        early: dict[str, CreatedResource] = {}
        for logical_id in sorted(referenced):
            kind, properties = skipped[logical_id], resources[logical_id].get("Properties", {})
            predicted = self._creators[kind].predicted_ref(properties)
            if predicted is not None:
                values[logical_id] = CreatedResource(
                    logical_id=logical_id, resource_type=kind, physical_id=predicted
                )
                continue
            try:
                static_properties = resolve_static(properties, pseudo)
            except NotStatic:
                raise UnsupportedResources(
                    "moto skips these, other resources refer to them, and they depend on the stack",
                    {logical_id: kind},
                ) from None
            early[logical_id] = values[logical_id] = self._create(logical_id, kind, static_properties)
        try:
            settled: Template = substitute(template, values)
        except KeyError as e:
            raise UnsupportedResources(
                f"Fn::GetAtt {e} of a skipped resource is needed before it can exist", {}
            ) from None
        for logical_id in early:
            del settled["Resources"][logical_id]
        for resource in settled["Resources"].values():
            depends_on = resource.get("DependsOn")
            if depends_on is not None:
                names = [depends_on] if isinstance(depends_on, str) else depends_on
                resource["DependsOn"] = [name for name in names if name not in early]
        return settled, early

    def _create_stack(self, template: Template, stack_name: str) -> str:
        cloudformation = self._aws.client("cloudformation")
        try:
            stack_id: str = cloudformation.create_stack(
                StackName=stack_name,
                TemplateBody=json.dumps(template),
                Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
            )["StackId"]
        except ClientError as e:
            raise DeployFailed(f"{stack_name}: {e.response['Error']['Message']}") from e
        self._wait_for_completion(stack_name)
        return stack_id

    def _wait_for_completion(self, stack_name: str, timeout_s: float = 60.0) -> None:
        cloudformation = self._aws.client("cloudformation")
        deadline = time.monotonic() + timeout_s
        while True:
            status = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]["StackStatus"]
            if status == "CREATE_COMPLETE":
                return
            if not status.endswith("IN_PROGRESS") or time.monotonic() > deadline:
                events = cloudformation.describe_stack_events(StackName=stack_name)["StackEvents"]
                reasons = [
                    f"{e['LogicalResourceId']}: {e['ResourceStatusReason']}"
                    for e in events
                    if e.get("ResourceStatusReason")
                ]
                raise DeployFailed(f"{stack_name} ended {status}: {'; '.join(reasons) or 'no reason given'}")
            time.sleep(0.2)

    def _create_missing(self, template: Template, stack_id: str, stack: Any) -> list[CreatedResource]:
        """Compare the stack's resources with the template and create each one the emulator skipped."""
        listed = {
            summary["LogicalResourceId"]
            for page in self._aws.client("cloudformation")
            .get_paginator("list_stack_resources")
            .paginate(StackName=stack_id)
            for summary in page["StackResourceSummaries"]
        }
        resources: dict[str, Any] = template.get("Resources", {})
        missing = {lid: r["Type"] for lid, r in resources.items() if lid not in listed}
        no_creator = {lid: kind for lid, kind in missing.items() if kind not in self._creators}
        if no_creator:
            raise UnsupportedResources(
                "the emulator did not create these and no creator is registered", no_creator
            )
        created: list[CreatedResource] = []
        pending = dict(missing)
        while pending:
            # Dependency order among the missing: a resource waits for the missing ones it refers to.
            ready = [lid for lid in pending if not references(resources[lid]) & pending.keys() - {lid}]
            if not ready:
                raise UnsupportedResources("these skipped resources refer to each other in a cycle", pending)
            for logical_id in sorted(ready):
                properties = moto_stack.resolve(stack, resources[logical_id].get("Properties", {}))
                resource = self._create(logical_id, pending.pop(logical_id), properties)
                moto_stack.adopt(stack, [resource])
                created.append(resource)
        return created

    def _create(self, logical_id: str, resource_type: str, properties: dict[str, Any]) -> CreatedResource:
        logger.info("creating %s (%s), which moto's CloudFormation skips", logical_id, resource_type)
        return self._creators[resource_type].create(self._aws.client, logical_id, properties)

    def _register_state_machines(self, template: Template, stack: Any) -> None:
        """Register each state machine again through the API.

        moto gap (5.2.5): CloudFormation puts state machines in the classic Step Functions store,
        while with ``execute_state_machine`` on the API reads the interpreter's store, where
        StartExecution would not find them.
        """
        sfn = self._aws.client("stepfunctions")
        for logical_id, resource in template.get("Resources", {}).items():
            if resource["Type"] == "AWS::StepFunctions::StateMachine":
                properties = resource.get("Properties", {})
                sfn.create_state_machine(**moto_stack.state_machine_definition(stack, logical_id, properties))

    def _describe(self, stack_name: str, stack_id: str, created: dict[str, str]) -> Deployment:
        cloudformation = self._aws.client("cloudformation")
        stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
        physical_ids = {
            summary["LogicalResourceId"]: summary["PhysicalResourceId"]
            for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack_name)
            for summary in page["StackResourceSummaries"]
        }
        outputs = {o["OutputKey"]: str(o["OutputValue"]) for o in stack.get("Outputs", [])}
        return Deployment(
            stack_name=stack_name,
            stack_id=stack_id,
            outputs=outputs,
            physical_ids=physical_ids,
            created_by_localcloud=created,
        )


def _asset_locations(resources: Mapping[str, Any], pseudo: Mapping[str, str]) -> set[tuple[str, str]]:
    """Every (bucket, key) pair in resource properties such as ``Code`` or ``Content``."""
    found: set[tuple[str, str]] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if "S3Bucket" in value and "S3Key" in value:
                found.add(
                    (
                        str(resolve_static(value["S3Bucket"], pseudo)),
                        str(resolve_static(value["S3Key"], pseudo)),
                    )
                )
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    for resource in resources.values():
        walk(resource.get("Properties", {}))
    return found
