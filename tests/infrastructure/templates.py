"""Small lookups over a synthesised template that several test modules share."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Template


def output_ref(template: Template, output_id: str) -> str:
    """The logical id an output refers to with ``Ref``."""
    outputs = template.find_outputs(output_id)
    return str(outputs[output_id]["Value"]["Ref"])


def only_resource(template: Template, resource_type: str, props: Any = None) -> tuple[str, dict[str, Any]]:
    """The one resource of a type (matching ``props`` if given), as (logical id, definition)."""
    found = template.find_resources(resource_type, props)
    assert len(found) == 1, f"expected one {resource_type}, found {sorted(found)}"
    logical_id, resource = next(iter(found.items()))
    return logical_id, dict(resource)
