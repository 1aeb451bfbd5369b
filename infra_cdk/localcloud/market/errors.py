"""Failures of the local market deployment, under the local cloud's exception tree."""

from __future__ import annotations

from localcloud.errors import LocalCloudError


class MarketDeployFailed(LocalCloudError):
    """A contract build, deployment or set-up transaction of the local market failed."""
