"""cdk-nag's AwsSolutions pack: no finding left, and every suppression is a known, reasoned one."""

from __future__ import annotations

import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Annotations, Match, Template

# Each of these carries its reason in the construct that suppresses it; a new one is a review decision.
_EXPECTED_SUPPRESSIONS = {
    "AwsSolutions-APIG2",
    "AwsSolutions-APIG3",
    "AwsSolutions-APIG4",
    "AwsSolutions-COG4",
    "AwsSolutions-IAM4",
    "AwsSolutions-IAM5",
    "AwsSolutions-L1",
    "AwsSolutions-SMG4",
}


@pytest.fixture(params=["local", "prod"])
def stack(request: pytest.FixtureRequest) -> Stack:
    """Each stage's stack, as built once by the module fixtures."""
    built: Stack = request.getfixturevalue(f"{request.param}_stack")
    return built


def test_no_unsuppressed_nag_errors(stack: Stack) -> None:
    # Given a stage's stack checked by AwsSolutionsChecks
    # When its error annotations are read
    errors = Annotations.from_stack(stack).find_error("*", Match.string_like_regexp("AwsSolutions-.*"))

    # Then there are none
    assert [f"{e.id}: {e.entry.data}" for e in errors] == []


def test_no_unsuppressed_nag_warnings(stack: Stack) -> None:
    # Given a stage's stack checked by AwsSolutionsChecks
    # When its warning annotations are read
    warnings = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("AwsSolutions-.*"))

    # Then there are none
    assert [f"{w.id}: {w.entry.data}" for w in warnings] == []


def test_every_suppression_is_expected_and_has_a_reason(stack: Stack) -> None:
    # Given a stage's template
    resources = Template.from_stack(stack).to_json()["Resources"]

    # When the cdk-nag suppressions recorded in resource metadata are collected
    suppressions = [
        rule
        for resource in resources.values()
        for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
    ]

    # Then only the reviewed rules are suppressed, each with a real sentence as its reason
    assert {rule["id"] for rule in suppressions} == _EXPECTED_SUPPRESSIONS
    assert all(len(rule["reason"]) >= 60 for rule in suppressions)


def test_wildcard_suppressions_name_the_wildcards_they_allow(stack: Stack) -> None:
    # Given a stage's template
    resources = Template.from_stack(stack).to_json()["Resources"]

    # When the IAM4 and IAM5 suppressions are collected
    granular = [
        rule
        for resource in resources.values()
        for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
        if rule["id"] in {"AwsSolutions-IAM4", "AwsSolutions-IAM5"}
    ]

    # Then each is restricted to the findings it was written for
    assert granular
    assert all(rule.get("applies_to") for rule in granular)
