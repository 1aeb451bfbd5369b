"""The JWT signing key, generated and held by Secrets Manager."""

from __future__ import annotations

from aws_cdk import aws_secretsmanager as secretsmanager
from cdk_nag import NagPackSuppression, NagSuppressions
from constructs import Construct

from tradewind_cdk.constants import (
    JWT_SECRET_LENGTH,
    JWT_SIGNING_KEY_ID,
    MODEL_API_KEY_ID,
    jwt_secret_name,
    model_api_key_secret_name,
)
from tradewind_cdk.stage import StageSettings


class Secrets(Construct):
    """Secrets the functions read at cold start; each has an explicit, per-stage name."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: StageSettings) -> None:
        super().__init__(scope, construct_id)
        self.jwt_secret_name = jwt_secret_name(settings.name)
        self.jwt_secret = secretsmanager.Secret(
            self,
            JWT_SIGNING_KEY_ID,
            secret_name=self.jwt_secret_name,
            description="HMAC key that signs Tradewind's access and refresh tokens",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                exclude_punctuation=True, password_length=JWT_SECRET_LENGTH
            ),
            removal_policy=settings.removal_policy,
        )
        NagSuppressions.add_resource_suppressions(
            self.jwt_secret,
            [
                NagPackSuppression(
                    id="AwsSolutions-SMG4",
                    reason=(
                        "Rotating the JWT signing key invalidates every session at once, so it is not "
                        "automatic: rotation is an operator procedure documented in docs/."
                    ),
                )
            ],
        )
        self.model_api_key_name = model_api_key_secret_name(settings.name)
        # Created with a random placeholder: the operator stores the provider's key in it before
        # configuring a model. Without a model the API never reads it.
        self.model_api_key = secretsmanager.Secret(
            self,
            MODEL_API_KEY_ID,
            secret_name=self.model_api_key_name,
            description="API key of the assistant's OpenAI-compatible model endpoint",
            removal_policy=settings.removal_policy,
        )
        NagSuppressions.add_resource_suppressions(
            self.model_api_key,
            [
                NagPackSuppression(
                    id="AwsSolutions-SMG4",
                    reason="The model provider issues the key: it is rotated there, then stored here.",
                )
            ],
        )
