"""Fixtures shared by the integration and end-to-end suites."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import pytest
from aws_lambda_powertools.utilities import parameters
from fastapi.testclient import TestClient

from localcloud import LocalCloud, LocalCloudConfig
from tradewind.aws import clients

# What the CDK app sets on every function; Powertools refuses to flush metrics without it.
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Tradewind")


@pytest.fixture(scope="module")
def local_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    """A fresh local cloud per test module, on free ports so it runs beside a developer's `make run`.

    Module scope, not session: moto's backends are process-wide, and some modules stop or restart
    parts of the cloud on purpose.
    """
    config = LocalCloudConfig(
        aws_port=0, l1_port=0, l2_port=0, work_dir=tmp_path_factory.mktemp("localcloud")
    )
    with LocalCloud(config) as cloud:
        _forget_earlier_clouds()
        yield cloud


def _forget_earlier_clouds() -> None:
    """Drop per-process caches that still point at an earlier module's cloud.

    On Lambda a process only ever sees one deployment; here each module deploys a new one.
    """
    clients.client.cache_clear()
    parameters.clear_caches()  # type: ignore[no-untyped-call]


@pytest.fixture(scope="module")
def api_environment(local_cloud: LocalCloud) -> Iterator[dict[str, str]]:
    """The process environment of the deployed API function, applied for the module's duration."""
    environment = local_cloud.function_environment()
    with pytest.MonkeyPatch.context() as patch:
        for name, value in environment.items():
            patch.setenv(name, value)
        yield environment


@pytest.fixture(scope="module")
def client(api_environment: dict[str, str]) -> Iterator[TestClient]:
    """The API app configured like the deployed API function, served in-process."""
    # Imported here: Powertools reads its environment (set above) when the app's modules load.
    from tradewind.api.app import create_app  # noqa: PLC0415

    with TestClient(create_app(), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (a dead RPC URL)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port
