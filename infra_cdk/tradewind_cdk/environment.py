"""The environment variables several functions share, written once."""

from __future__ import annotations

from aws_cdk import aws_dynamodb as dynamodb

from tradewind_cdk.constants import (
    ENV_ACCOUNTS_TABLE,
    ENV_ACTIVE_CHAINS,
    ENV_DEPLOYMENTS_PATH,
    ENV_STAGE,
    deployments_parameter_path,
)
from tradewind_cdk.stage import StageSettings


def chain_data_environment(
    settings: StageSettings, accounts_table: dynamodb.ITable, *, manifests: bool = True
) -> dict[str, str]:
    """The stage, the accounts table, the active chains and (with ``manifests``) where their manifests are."""
    environment = {
        ENV_STAGE: settings.name,
        ENV_ACCOUNTS_TABLE: accounts_table.table_name,
        ENV_ACTIVE_CHAINS: ",".join(settings.active_chains),
    }
    if manifests:
        environment[ENV_DEPLOYMENTS_PATH] = deployments_parameter_path(settings.name)
    return environment
