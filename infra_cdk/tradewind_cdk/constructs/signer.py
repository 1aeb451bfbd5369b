"""The service's Ethereum signing key: an secp256k1 KMS key whose private half never leaves KMS."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from tradewind_cdk.constants import SIGNER_KEY_ID, signer_key_alias
from tradewind_cdk.stage import StageSettings

# Non-production keys are scheduled for deletion after the shortest window KMS allows.
NON_PRODUCTION_PENDING_WINDOW = Duration.days(7)


class Signer(Construct):
    """An ECC_SECG_P256K1 SIGN_VERIFY key behind a per-stage alias."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: StageSettings) -> None:
        super().__init__(scope, construct_id)
        self.alias_name = signer_key_alias(settings.name)
        self.key = kms.Key(
            self,
            SIGNER_KEY_ID,
            key_spec=kms.KeySpec.ECC_SECG_P256K1,
            key_usage=kms.KeyUsage.SIGN_VERIFY,
            alias=self.alias_name,
            description=f"Tradewind {settings.name}: signs the service's Ethereum transactions",
            removal_policy=settings.removal_policy,
            pending_window=None if settings.is_production else NON_PRODUCTION_PENDING_WINDOW,
        )

    def grant_public_key_read(self, grantee: iam.IGrantable) -> None:
        """Lets ``grantee`` describe the key and read its public key (the service's address), not sign."""
        self.key.grant(grantee, "kms:DescribeKey", "kms:GetPublicKey")

    def grant_sign(self, grantee: iam.IGrantable) -> None:
        """Lets ``grantee`` sign with the key: only the function that sends transactions gets this."""
        self.key.grant(grantee, "kms:Sign", "kms:DescribeKey", "kms:GetPublicKey")
