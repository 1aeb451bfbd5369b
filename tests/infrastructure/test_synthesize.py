"""``synthesize``: the entry point the local cloud uses to get a deployable template."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tradewind_cdk.app import build_app, synthesize


@pytest.fixture(scope="module")
def local_template_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The local stage synthesised once into a temporary cloud assembly."""
    return synthesize("local", tmp_path_factory.mktemp("cdk.out"))


def test_synthesize_returns_the_local_stack_template(local_template_path: Path) -> None:
    # Given the local stage synthesised into a temporary directory
    # Then the returned path is the stack's template inside that directory
    assert local_template_path.is_file()
    assert local_template_path.name == "Tradewind-local.template.json"


def test_template_holds_only_resource_types_the_local_cloud_knows(local_template_path: Path) -> None:
    # Given the synthesised local template
    template = json.loads(local_template_path.read_text())

    # When its resource types are counted
    types = Counter(resource["Type"] for resource in template["Resources"].values())

    # Then all three tables are classic tables, there is no GlobalTable and no CDK metadata resource
    assert types["AWS::DynamoDB::Table"] == 3
    assert "AWS::DynamoDB::GlobalTable" not in types
    assert "AWS::CDK::Metadata" not in types


def test_unknown_stage_is_rejected() -> None:
    # Given a stage name that is not local, dev or prod
    # When an app is built for it
    # Then it fails before any resource is defined
    with pytest.raises(ValueError, match="unknown stage 'staging'"):
        build_app("staging", bundle_assets=False)
