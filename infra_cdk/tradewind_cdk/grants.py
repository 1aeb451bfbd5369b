"""Grants more than one construct gives its function, written once."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from cdk_nag import NagPackSuppression, NagSuppressions, RegexAppliesTo

from tradewind_cdk.constants import deployments_parameter_path

# cdk-nag's rendering of "arn:...:parameter/tradewind/<stage>/deployments/*".
_DEPLOYMENT_PARAMETERS = (
    r"/^Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:"
    r"parameter\/tradewind\/[a-z]+\/deployments\/\*$/g"
)


def grant_deployments_read(role: iam.Role, stage: str) -> None:
    """Lets ``role`` read the stage's deployment manifests (one SSM parameter per chain), nothing else."""
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["ssm:GetParameter"],
            resources=[
                Stack.of(role).format_arn(
                    service="ssm",
                    resource="parameter",
                    resource_name=deployments_parameter_path(stage).lstrip("/") + "/*",
                )
            ],
        )
    )
    NagSuppressions.add_resource_suppressions(
        role,
        [
            NagPackSuppression(
                id="AwsSolutions-IAM5",
                reason=(
                    "One manifest parameter per chain under the stage's deployments path; the chain "
                    "keys are configuration, so the grant covers that path and nothing else."
                ),
                applies_to=[RegexAppliesTo(regex=_DEPLOYMENT_PARAMETERS)],
            )
        ],
        apply_to_children=True,
    )
