"""The local cloud: moto in-process with Tradewind's CDK stack deployed into it, plus local anvil chains."""

from localcloud.chains import LocalChain
from localcloud.cloud import LocalCloud, LocalCloudConfig
from localcloud.deployer import Deployer, Deployment
from localcloud.errors import LocalCloudError, PortInUse

__all__ = [
    "Deployer",
    "Deployment",
    "LocalChain",
    "LocalCloud",
    "LocalCloudConfig",
    "LocalCloudError",
    "PortInUse",
]
