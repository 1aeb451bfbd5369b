"""``LocalCloud``: the emulator with its patches, the CDK stack deployed into it, and the local chains."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from localcloud import dynamodb_serial, event_sources, kms_digest, ports, schedules
from localcloud.assets import read_assets
from localcloud.aws import AwsEndpoint
from localcloud.chains import AnvilNode, ChainSpec, LocalChain, default_anvil_path, set_balance
from localcloud.deployer import Deployer, Deployment
from localcloud.emulator import Emulator
from localcloud.event_sources import SqsPoller
from localcloud.lambda_runtime import InProcessLambdaRuntime
from localcloud.market import deploy_market, load_manifest, manifest_path
from localcloud.schedules import ScheduleDriver
from tradewind.chain.kms_signer import KmsSigner
from tradewind.deployments.manifest import DeploymentManifest

logger = logging.getLogger(__name__)

STAGE = "local"
OPERATOR_BALANCE_WEI = 1_000 * 10**18


class LocalCloudConfig(BaseModel):
    """Where the local cloud listens and what it runs; a port of 0 means "pick a free one"."""

    model_config = ConfigDict(frozen=True)

    host: str = "127.0.0.1"
    aws_port: int = Field(default=5000, ge=0, lt=65536)
    l1_port: int = Field(default=8545, ge=0, lt=65536)
    l2_port: int = Field(default=8546, ge=0, lt=65536)
    l1_chain_id: int = 31337
    l2_chain_id: int = 31338
    region: str = "us-east-1"
    work_dir: Path = Path(".localcloud")
    anvil_path: Path = Field(default_factory=default_anvil_path)
    rpc_url_first: str | None = Field(
        default=None,
        pattern=r"^https?://",
        description="for failover tests: every chain's RPC URLs in the functions' environment start "
        "with this one (say, a loopback port that drops each request), and a failed URL is retried "
        "at once (TRADEWIND_RPC_COOLDOWN_S=0), so that every RPC call of every function fails over",
    )


class StartupTimings(BaseModel):
    """Seconds each phase of ``start`` took."""

    emulator_s: float = 0.0
    synth_s: float = 0.0
    deploy_s: float = 0.0
    chains_s: float = 0.0
    market_s: float = 0.0


class LocalCloud:
    """Everything ``make run`` and the integration tests need, started and stopped together."""

    def __init__(self, config: LocalCloudConfig | None = None) -> None:
        self.config = config or LocalCloudConfig()
        self.timings = StartupTimings()
        self._emulator: Emulator | None = None
        self._runtime: InProcessLambdaRuntime | None = None
        self._nodes: list[AnvilNode] = []
        self._deployment: Deployment | None = None
        self._schedules: ScheduleDriver | None = None
        self._event_sources: SqsPoller | None = None

    @property
    def endpoint_url(self) -> str:
        """The emulator's URL (``AWS_ENDPOINT_URL``)."""
        if self._emulator is None:
            raise RuntimeError("the local cloud is not running")
        return self._emulator.endpoint_url

    @property
    def aws(self) -> AwsEndpoint:
        """The emulator as a client factory."""
        return AwsEndpoint(endpoint_url=self.endpoint_url, region=self.config.region)

    @property
    def deployment(self) -> Deployment:
        """The deployed stack (outputs and physical ids)."""
        if self._deployment is None:
            raise RuntimeError("the local cloud is not running")
        return self._deployment

    @property
    def schedules(self) -> ScheduleDriver:
        """Fires the scheduled rules, which moto never does: on demand, or in a thread once started."""
        if self._schedules is None:
            raise RuntimeError("the local cloud is not running")
        return self._schedules

    @property
    def event_sources(self) -> SqsPoller:
        """Delivers SQS messages to the mapped functions: on demand, or in a thread once started."""
        if self._event_sources is None:
            raise RuntimeError("the local cloud is not running")
        return self._event_sources

    @property
    def lambda_runtime(self) -> InProcessLambdaRuntime:
        """The in-process runtime, for staging the code of functions created outside the stack."""
        if self._runtime is None:
            raise RuntimeError("the local cloud is not running")
        return self._runtime

    @property
    def chains(self) -> list[LocalChain]:
        """The running chains."""
        return [node.chain for node in self._nodes]

    @property
    def chain_pids(self) -> list[int]:
        """Process ids (and process group ids) of the anvil nodes."""
        return [node.pid for node in self._nodes if node.pid is not None]

    def start(self) -> None:
        """Check every port, then start the emulator, deploy the stack and start the chains."""
        specs = self._chain_specs()
        if self.config.aws_port:
            ports.ensure_free(self.config.host, self.config.aws_port, "TRADEWIND_AWS_PORT")
        try:
            self._start(specs)
        except BaseException:
            self.stop()
            raise

    def _chain_specs(self) -> list[ChainSpec]:
        """The chains to start, with their ports checked (or picked, for port 0)."""
        host = self.config.host
        return [
            ChainSpec(
                key="local-l1",
                name="Local L1",
                chain_id=self.config.l1_chain_id,
                port=ports.resolve(host, self.config.l1_port, "TRADEWIND_L1_PORT"),
            ),
            ChainSpec(
                key="local-l2",
                name="Local L2",
                chain_id=self.config.l2_chain_id,
                port=ports.resolve(host, self.config.l2_port, "TRADEWIND_L2_PORT"),
            ),
        ]

    def _start(self, specs: list[ChainSpec]) -> None:
        from tradewind_cdk.app import synthesize  # noqa: PLC0415 - aws_cdk costs seconds; only start() needs it

        began = time.monotonic()
        self._emulator = Emulator(self.config.host, self.config.aws_port)
        self._emulator.start()
        kms_digest.install()
        dynamodb_serial.install()
        # Before the deploy: a mapping made while moto's inline SQS delivery is on keeps it.
        event_sources.install()
        schedules.install()
        # Built, not started: tests fire and drain them; `make run` starts their threads.
        self._schedules = ScheduleDriver(self.aws)
        self._event_sources = SqsPoller(self.aws)
        self._nodes = [AnvilNode(spec, self.config.host, self.config.anvil_path) for spec in specs]
        overrides = {**self.aws.environment(), **self.chain_environment()}
        self._runtime = InProcessLambdaRuntime({}, overrides)
        self._runtime.install()
        self.timings.emulator_s = time.monotonic() - began

        began = time.monotonic()
        template_path = synthesize(STAGE, self.config.work_dir / "cdk.out")
        self._runtime.add_assets(read_assets(template_path))
        self.timings.synth_s = time.monotonic() - began

        began = time.monotonic()
        self._deployment = Deployer(self.aws).deploy(template_path)
        self.timings.deploy_s = time.monotonic() - began

        began = time.monotonic()
        for node in self._nodes:
            node.start()
        self.timings.chains_s = time.monotonic() - began

        began = time.monotonic()
        self._deploy_markets()
        self.timings.market_s = time.monotonic() - began
        logger.info("local cloud started: %s", self.timings.model_dump())

    def _deploy_markets(self) -> None:
        """Deploy the local DeFi market on every chain and publish each manifest where services read it.

        The manifest goes to the SSM path the stack names (as an operator publishes a real
        chain's) and to a file beside the synthesised template, for people and scripts.
        """
        path = self.deployment.outputs["DeploymentsParameterPath"]
        ssm = self.aws.client("ssm")
        operator = KmsSigner(self.aws.client("kms"), self.deployment.outputs["SignerKeyId"]).address
        for chain in self.chains:
            # The service pays gas for what it sends (vault deployments): give its key ETH to spend.
            set_balance(chain.rpc_url, operator, OPERATOR_BALANCE_WEI)
            manifest = deploy_market(
                chain.rpc_url,
                chain.key,
                manifest_path(self.config.work_dir / "deployments", chain.key),
                expected_chain_id=chain.chain_id,
                vault_operator=operator,
            )
            ssm.put_parameter(
                Name=f"{path}/{chain.key}", Value=manifest.model_dump_json(), Type="String", Overwrite=True
            )

    def stop_chain(self, chain_key: str) -> None:
        """Stop one chain's node, for tests of a chain that stops answering; ``stop`` stays safe."""
        next(node for node in self._nodes if node.chain.key == chain_key).stop()

    def manifest(self, chain_key: str) -> DeploymentManifest:
        """The deployment manifest of one local chain."""
        return load_manifest(manifest_path(self.config.work_dir / "deployments", chain_key))

    def stop(self) -> None:
        """Stop drivers and chains, remove patches, stop the emulator; safe twice and after a failed start."""
        # First the drivers: a handler they start must not find the chains or the emulator gone.
        for driver in (self._schedules, self._event_sources):
            if driver is not None:
                driver.stop()
        self._schedules = self._event_sources = None
        for node in self._nodes:
            node.stop()
        if self._runtime is not None:
            self._runtime.uninstall()
            self._runtime = None
        kms_digest.uninstall()
        dynamodb_serial.uninstall()
        event_sources.uninstall()
        schedules.uninstall()
        if self._emulator is not None:
            self._emulator.stop()
            self._emulator = None
        self._deployment = None

    def aws_environment(self) -> dict[str, str]:
        """Environment variables a process needs to talk to the emulator."""
        return self.aws.environment()

    def chain_environment(self) -> dict[str, str]:
        """Environment variables naming the local chains and their RPC URLs."""
        chains = [node.chain for node in self._nodes]
        first = [self.config.rpc_url_first] if self.config.rpc_url_first else []
        environment = {
            "TRADEWIND_RPC_URLS": json.dumps({chain.key: [*first, chain.rpc_url] for chain in chains}),
            "TRADEWIND_ACTIVE_CHAINS": ",".join(chain.key for chain in chains),
        }
        if first:
            # Without a cooldown the failing URL stays first: each call tries it, not only the first.
            environment["TRADEWIND_RPC_COOLDOWN_S"] = "0"
        return environment

    def function_environment(self, output_id: str = "ApiFunctionName") -> dict[str, str]:
        """The deployed function's environment, under the emulator's and the chains' variables."""
        name = self.deployment.outputs[output_id]
        configuration: dict[str, Any] = self.aws.client("lambda").get_function_configuration(
            FunctionName=name
        )
        variables: dict[str, str] = configuration.get("Environment", {}).get("Variables", {})
        return {**variables, **self.aws_environment(), **self.chain_environment()}

    def __enter__(self) -> LocalCloud:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
