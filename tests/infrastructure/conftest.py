"""Fixtures that synthesise the CDK app once per test module, without bundling (offline, seconds)."""

from __future__ import annotations

import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Template

from tradewind_cdk.app import build_app
from tradewind_cdk.constants import stack_name


def _build_stack(stage: str) -> Stack:
    stack = build_app(stage, bundle_assets=False).node.find_child(stack_name(stage))
    assert isinstance(stack, Stack)
    return stack


@pytest.fixture(scope="module")
def local_stack() -> Stack:
    """The local stage's stack, built once per module."""
    return _build_stack("local")


@pytest.fixture(scope="module")
def prod_stack() -> Stack:
    """The prod stage's stack, built once per module."""
    return _build_stack("prod")


@pytest.fixture(scope="module")
def local_template(local_stack: Stack) -> Template:
    """The local stage's template."""
    return Template.from_stack(local_stack)


@pytest.fixture(scope="module")
def prod_template(prod_stack: Stack) -> Template:
    """The prod stage's template."""
    return Template.from_stack(prod_stack)
