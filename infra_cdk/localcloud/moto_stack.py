"""Reach into moto's in-process CloudFormation stack: resolve intrinsics, adopt resources made outside it.

moto gap (5.2.5): resources of types moto's CloudFormation skips resolve to ``None`` wherever they are
referenced, are missing from ``ListStackResources``, and leave outputs that refer to them empty.
Once the local cloud has created them, it registers them in the stack's resource map so that
outputs and resource listings come out as on AWS.
"""

from __future__ import annotations

import json
from typing import Any

from moto.apigateway.models import Deployment as ApiGatewayDeployment
from moto.cloudformation.models import Stack, cloudformation_backends
from moto.cloudformation.parsing import clean_json, get_model_map
from moto.events.models import EventBus
from moto.kms.utils import generate_private_key

from localcloud.template import CreatedResource


def install_physical_ids() -> None:
    """Give moto's API Gateway Deployment and EventBridge EventBus the ``physical_resource_id``
    they lack; idempotent.

    moto gap (5.2.5): without it, ``Ref`` to either resolves to the Python object: a function's
    environment got ``<moto.events.models.EventBus object at ...>`` as the bus name, and
    ListStackResources reports an empty physical id.
    """
    if not hasattr(ApiGatewayDeployment, "physical_resource_id"):
        ApiGatewayDeployment.physical_resource_id = property(lambda deployment: deployment.id)  # type: ignore[attr-defined]
    if not hasattr(EventBus, "physical_resource_id"):
        EventBus.physical_resource_id = property(lambda bus: bus.name)  # type: ignore[attr-defined]


def is_supported(resource_type: str) -> bool:
    """Whether moto's CloudFormation creates resources of this type (it skips the others with a warning)."""
    return resource_type in get_model_map() or resource_type.startswith("Custom::")


def find_stack(stack_id: str) -> Stack:
    """moto's stack object for a stack ARN (``arn:aws:cloudformation:<region>:<account>:stack/...``)."""
    _, _, _, region, account, _ = stack_id.split(":", 5)
    stack: Stack = cloudformation_backends[account][region].get_stack(stack_id)
    return stack


def resolve(stack: Stack, value: Any) -> Any:
    """``value`` with every intrinsic function evaluated against the stack, by moto's own evaluator."""
    return clean_json(value, stack.resource_map)


class _AdoptedResource:
    """How a resource made outside moto's CloudFormation looks to its resource map."""

    def __init__(self, created: CreatedResource) -> None:
        self.logical_resource_id = created.logical_id
        self.cf_resource_type = created.resource_type
        self.physical_resource_id = created.physical_id
        self._attributes = created.attributes

    def get_cfn_attribute(self, attribute_name: str) -> str:
        """What ``Fn::GetAtt`` returns."""
        if attribute_name not in self._attributes:
            # moto's evaluator catches NotImplementedError from get_cfn_attribute, as its own
            # resources raise it for attributes they lack; the message format is moto's too.
            raise NotImplementedError(f'"Fn::GetAtt" : [ "{{0}}" , "{attribute_name}" ]"')
        return self._attributes[attribute_name]


def adopt(stack: Stack, created: list[CreatedResource]) -> None:
    """Register ``created`` in the stack, then re-evaluate its outputs (they may refer to them)."""
    for resource in created:
        # Both maps: the JSON map drives ListStackResources, the parsed map Ref/GetAtt and outputs.
        stack.resource_map._resource_json_map.setdefault(
            resource.logical_id, {"Type": resource.resource_type, "Properties": {}}
        )
        stack.resource_map._parsed_resources[resource.logical_id] = _AdoptedResource(resource)
    stack.output_map = stack._create_output_map()


def repair_kms_keys(stack: Stack) -> None:
    """Give each KMS key of the stack the spec and usage its template asks for, and a JSON policy.

    moto gaps (5.2.5): CloudFormation creates every ``AWS::KMS::Key`` as SYMMETRIC_DEFAULT /
    ENCRYPT_DECRYPT whatever ``KeySpec`` and ``KeyUsage`` say, and keeps ``KeyPolicy`` as a dict,
    so every later policy check (DescribeKey, Sign, ...) fails in ``json.loads`` with a 500.
    """
    for logical_id, resource_json in stack.resource_map._resource_json_map.items():
        if resource_json["Type"] != "AWS::KMS::Key":
            continue
        key: Any = stack.resource_map[logical_id]
        properties = resource_json.get("Properties", {})
        key.key_usage = properties.get("KeyUsage", "ENCRYPT_DECRYPT")
        spec = properties.get("KeySpec", "SYMMETRIC_DEFAULT")
        if spec != key.key_spec:
            key.key_spec = spec
            key.private_key = generate_private_key(spec)
        if isinstance(key.policy, dict):
            key.policy = json.dumps(key.policy)


def state_machine_definition(stack: Stack, logical_id: str, properties: dict[str, Any]) -> dict[str, str]:
    """Name, definition, role and type of a state machine moto's CloudFormation made.

    moto gap (5.2.5): CloudFormation stores ``DefinitionString`` as given and ignores
    ``DefinitionSubstitutions``, so ``${Name}`` placeholders would reach the interpreter. They are
    applied here, each value evaluated against the stack, as CloudFormation does.
    """
    machine: Any = stack.resource_map[logical_id]
    definition = str(machine.definition)
    for name, value in resolve(stack, properties.get("DefinitionSubstitutions", {})).items():
        definition = definition.replace("${" + name + "}", str(value))
    return {
        "name": machine.name,
        "definition": definition,
        "roleArn": machine.roleArn,
        "type": machine.type,
    }
