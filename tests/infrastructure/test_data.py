"""The tables, the JWT secret and the signing key."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match, Template

from tests.infrastructure.templates import output_ref


@pytest.mark.parametrize("output_id", ["AccountsTableName", "ChainTableName"])
def test_single_tables_are_pay_per_request_with_ttl_and_pitr(
    local_template: Template, output_id: str
) -> None:
    # Given the local template
    # When the table is looked up through its output
    table_id = output_ref(local_template, output_id)
    table = local_template.find_resources("AWS::DynamoDB::Table")[table_id]

    # Then it has the single-table key schema, TTL, PITR, on-demand billing and no fixed name
    assert table["Properties"] == {
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        "BillingMode": "PAY_PER_REQUEST",
        "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": True},
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
    }


def test_idempotency_table_matches_powertools_defaults(local_template: Template) -> None:
    # Given the local template
    # When the idempotency table is looked up through its output
    idempotency_id = output_ref(local_template, "IdempotencyTableName")
    table = local_template.find_resources("AWS::DynamoDB::Table")[idempotency_id]

    # Then its key and TTL attribute are the ones Powertools' DynamoDB persistence layer uses
    assert table["Properties"] == {
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
        "TimeToLiveSpecification": {"AttributeName": "expiration", "Enabled": True},
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
    }


def test_there_are_three_classic_tables_and_no_global_table(local_template: Template) -> None:
    # Given the local template
    # Then every table is AWS::DynamoDB::Table, which the local cloud's CloudFormation creates
    local_template.resource_count_is("AWS::DynamoDB::Table", 3)
    local_template.resource_count_is("AWS::DynamoDB::GlobalTable", 0)


def test_local_tables_are_destroyed_and_prod_tables_retained(
    local_template: Template, prod_template: Template
) -> None:
    # Given the local and prod templates
    # Then a local stack deletion removes its tables and a prod one keeps them
    for table in local_template.find_resources("AWS::DynamoDB::Table").values():
        assert table["DeletionPolicy"] == "Delete"
    for table in prod_template.find_resources("AWS::DynamoDB::Table").values():
        assert table["DeletionPolicy"] == "Retain"
        assert table["UpdateReplacePolicy"] == "Retain"


def test_jwt_secret_has_a_stage_name_and_a_generated_64_char_value(
    local_template: Template, prod_template: Template
) -> None:
    # Given the local and prod templates
    # Then each stage generates its own signing key under a predictable name
    for template, stage in ((local_template, "local"), (prod_template, "prod")):
        template.has_resource_properties(
            "AWS::SecretsManager::Secret",
            {
                "Name": f"tradewind/{stage}/jwt-signing-key",
                "GenerateSecretString": {"ExcludePunctuation": True, "PasswordLength": 64},
            },
        )
        template.has_output("JwtSecretName", {"Value": f"tradewind/{stage}/jwt-signing-key"})


def test_signer_key_is_an_secp256k1_signing_key_with_a_stage_alias(local_template: Template) -> None:
    # Given the local template
    # When the signer key is looked up through its output
    key_id = output_ref(local_template, "SignerKeyId")

    # Then it is an Ethereum-compatible signing key behind the stage's alias
    local_template.has_resource_properties(
        "AWS::KMS::Key",
        {"KeySpec": "ECC_SECG_P256K1", "KeyUsage": "SIGN_VERIFY", "Description": Match.any_value()},
    )
    local_template.has_resource_properties(
        "AWS::KMS::Alias",
        {"AliasName": "alias/tradewind-local-signer", "TargetKeyId": {"Fn::GetAtt": [key_id, "Arn"]}},
    )
    local_template.has_output("SignerKeyAlias", {"Value": "alias/tradewind-local-signer"})
