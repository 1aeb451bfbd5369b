"""boto3 clients created once per process, with bounded timeouts and standard retries.

The endpoint comes from the environment like every AWS SDK setting (``AWS_ENDPOINT_URL`` points
the local cloud at the emulator), so the code is the same on AWS and locally.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 3, "mode": "standard"})


@cache
def client(service: str) -> Any:
    """A shared low-level client for ``service``."""
    return boto3.session.Session().client(service, config=_CONFIG)
