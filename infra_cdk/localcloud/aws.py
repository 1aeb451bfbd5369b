"""How a process reaches the emulator: endpoint, region and the dummy credentials moto accepts."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config
from pydantic import BaseModel, ConfigDict

_CREDENTIAL = "testing"


class AwsEndpoint(BaseModel):
    """The emulator's address and region."""

    model_config = ConfigDict(frozen=True)

    endpoint_url: str
    region: str

    def client(self, service_name: str) -> Any:
        """A boto3 client for ``service_name`` bound to the emulator."""
        return boto3.session.Session().client(
            service_name,
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=_CREDENTIAL,
            aws_secret_access_key=_CREDENTIAL,
            config=Config(retries={"max_attempts": 2, "mode": "standard"}),
        )

    def environment(self) -> dict[str, str]:
        """Environment variables that point the AWS SDKs (and Powertools) at the emulator."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
            "AWS_ACCESS_KEY_ID": _CREDENTIAL,
            "AWS_SECRET_ACCESS_KEY": _CREDENTIAL,
            "POWERTOOLS_TRACE_DISABLED": "true",
        }
