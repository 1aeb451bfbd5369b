"""The foreground runner behind ``make run``: local cloud up, API served with uvicorn, all down on Ctrl-C."""

from __future__ import annotations

import logging
import os
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from localcloud.cloud import LocalCloud, LocalCloudConfig
from localcloud.errors import PortInUse
from localcloud.market.simulator import MarketSimulator
from localcloud.ports import ensure_free

if TYPE_CHECKING:
    from localcloud.demo import DemoAccount

logger = logging.getLogger("localcloud")

EXIT_PORT_IN_USE = 2


class RunnerSettings(BaseSettings):
    """What ``make run`` reads from the environment (``TRADEWIND_*``)."""

    model_config = SettingsConfigDict(env_prefix="TRADEWIND_", extra="ignore")

    aws_port: int = 5000
    l1_port: int = 8545
    l2_port: int = 8546
    api_port: int = 8000
    api_host: str = "127.0.0.1"
    work_dir: Path = Path(".localcloud")
    demo_email: str = "demo@tradewind.local"
    demo_password: str = "tradewind-demo"  # noqa: S105 - the documented local demo login
    market_simulator: bool = True
    market_seed: int = 42
    market_interval_s: float = Field(default=5.0, gt=0)
    # Local time is compressed: every scheduled rule fires this often, whatever its expression says.
    schedule_period_s: float = Field(default=60.0, gt=0)
    # The key of a model named by TRADEWIND_ASSISTANT_MODEL_BASE_URL / _NAME: the API reads it from the
    # secret store, as on AWS, so the runner stores it there; it never reaches the API's environment.
    assistant_model_api_key: SecretStr | None = None


def _summary(settings: RunnerSettings, cloud: LocalCloud, demo: DemoAccount) -> str:
    api = f"http://{settings.api_host}:{settings.api_port}"
    lines = [
        "",
        "Tradewind is running locally",
        f"  API            {api}",
        f"  API docs       {api}/docs",
        f"  OpenAPI        {api}/openapi.json",
        f"  AWS endpoint   {cloud.endpoint_url}",
    ]
    lines += [f"  {c.key:<14} {c.name}, chain id {c.chain_id}, RPC {c.rpc_url}" for c in cloud.chains]
    lines += [
        f"  Deployments    {cloud.config.work_dir / 'deployments'}/<chain>.json "
        f"(also SSM {cloud.deployment.outputs['DeploymentsParameterPath']}/<chain>)",
    ]
    lines += [
        f"  Demo login     {settings.demo_email} / {settings.demo_password}",
        *(f"  Demo vault     {vault.chain}: {vault.address} (owner {vault.owner})" for vault in demo.vaults),
        f"  Market sim     {_simulator_summary(settings)}",
        f"  Schedules      {_schedule_summary(settings, cloud)}",
        f"  Assistant      {_assistant_summary(api)}",
        f"  SQS -> Lambda  {len(cloud.event_sources.mappings())} event source mappings, polled in a thread",
        "  Ctrl-C stops everything.",
        "",
    ]
    return "\n".join(lines)


def _simulator_summary(settings: RunnerSettings) -> str:
    if not settings.market_simulator:
        return "off"
    return f"on, seed {settings.market_seed}, one swap per chain every {settings.market_interval_s:g} s"


def _assistant_summary(api: str) -> str:
    """Which engine answers POST /v1/chat: a model named in the environment, else the offline one."""
    model = os.environ.get("TRADEWIND_ASSISTANT_MODEL_NAME")
    if model:
        return f"POST {api}/v1/chat, model {model} at {os.environ.get('TRADEWIND_ASSISTANT_MODEL_BASE_URL')}"
    return (
        f"POST {api}/v1/chat, built-in offline engine (TRADEWIND_ASSISTANT_MODEL_BASE_URL and "
        "TRADEWIND_ASSISTANT_MODEL_NAME name a model)"
    )


def _schedule_summary(settings: RunnerSettings, cloud: LocalCloud) -> str:
    rules = len(cloud.schedules.rules())
    return (
        f"{rules} scheduled rules, each fired every {settings.schedule_period_s:g} s whatever its rate "
        "(TRADEWIND_SCHEDULE_PERIOD_S)"
    )


def _market_simulator(settings: RunnerSettings, cloud: LocalCloud) -> MarketSimulator | None:
    """The simulator over every local chain, not yet started; None when switched off."""
    if not settings.market_simulator:
        return None
    chains = [(chain.rpc_url, cloud.manifest(chain.key)) for chain in cloud.chains]
    return MarketSimulator(chains, seed=settings.market_seed, interval_s=settings.market_interval_s)


def _serve(settings: RunnerSettings, cloud: LocalCloud, simulator: MarketSimulator | None) -> None:
    """Configure the API as its Lambda function is, seed the demo account, serve until interrupted."""
    environment = cloud.function_environment()
    os.environ.update(environment)
    if settings.assistant_model_api_key is not None:
        os.environ.pop("TRADEWIND_ASSISTANT_MODEL_API_KEY", None)
        cloud.aws.client("secretsmanager").put_secret_value(
            SecretId=environment["TRADEWIND_ASSISTANT_MODEL_API_KEY_SECRET_ID"],
            SecretString=settings.assistant_model_api_key.get_secret_value(),
        )
    import uvicorn  # noqa: PLC0415 - only the runner needs it

    # Imported once the function's environment is applied: Powertools reads it at import.
    from localcloud.demo import seed_demo  # noqa: PLC0415
    from tradewind.api.app import create_app  # noqa: PLC0415
    from tradewind.api.container import build_services  # noqa: PLC0415
    from tradewind.api.settings import ApiSettings  # noqa: PLC0415

    services = build_services(ApiSettings.from_environment())
    demo = seed_demo(services, cloud, settings.demo_email, settings.demo_password)
    # After the seeding: both fund from the deployer's account, and the demo starts at catalog prices.
    if simulator is not None:
        simulator.start()
    # After the seeding too: scheduled jobs and queue consumers see the demo data from their first run.
    cloud.schedules.start(settings.schedule_period_s)
    cloud.event_sources.start()
    server = uvicorn.Server(
        uvicorn.Config(create_app(services=services), host=settings.api_host, port=settings.api_port)
    )
    print(_summary(settings, cloud, demo), flush=True)
    # uvicorn installs its own SIGINT/SIGTERM handlers and returns once they fire.
    server.run()


def _interrupt(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def run() -> int:
    """Start everything, serve until Ctrl-C or SIGTERM, stop everything; the process exit status."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    # Per-request chatter from the SDKs would bury the summary and the API's own logs.
    for noisy in ("httpx", "botocore", "pynamodb"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # SIGTERM before uvicorn takes over (while the cloud starts) must clean up like Ctrl-C does:
    # by default it would end the process at once and orphan the anvil process groups.
    signal.signal(signal.SIGTERM, _interrupt)
    settings = RunnerSettings()
    config = LocalCloudConfig(
        aws_port=settings.aws_port,
        l1_port=settings.l1_port,
        l2_port=settings.l2_port,
        work_dir=settings.work_dir,
    )
    cloud = LocalCloud(config)
    simulator: MarketSimulator | None = None
    try:
        ensure_free(settings.api_host, settings.api_port, "TRADEWIND_API_PORT")
        cloud.start()
        simulator = _market_simulator(settings, cloud)
        _serve(settings, cloud, simulator)
    except PortInUse as e:
        print(e, file=sys.stderr)
        return EXIT_PORT_IN_USE
    except KeyboardInterrupt:
        pass
    finally:
        # Before the chains go, so no swap is left talking to a node that is gone.
        if simulator is not None:
            simulator.stop()
        # Stops the schedule driver and the SQS poller first, before the chains and the emulator.
        cloud.stop()
    return 0
