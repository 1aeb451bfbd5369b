"""The local cloud's exception tree: every failure it reports on purpose derives from ``LocalCloudError``."""

from __future__ import annotations


class LocalCloudError(Exception):
    """Root of the errors the local cloud raises on purpose."""


class PortInUse(LocalCloudError):
    """A port the local cloud needs is taken; the message names the setting that moves it."""

    def __init__(self, port: int, setting_name: str) -> None:
        super().__init__(f"port {port} is already in use; set {setting_name} to use another")
        self.port = port
        self.setting_name = setting_name


class DeployFailed(LocalCloudError):
    """The emulator's CloudFormation did not bring the stack to CREATE_COMPLETE."""


class UnsupportedResources(LocalCloudError):
    """The emulator skipped resources that no creator can make, or that cannot be ordered."""

    def __init__(self, problem: str, resources: dict[str, str]) -> None:
        listed = ", ".join(f"{logical_id} ({kind})" for logical_id, kind in sorted(resources.items()))
        super().__init__(f"{problem}: {listed}")
        self.resources = resources


class ChainStartFailed(LocalCloudError):
    """An anvil node exited or did not answer ``eth_chainId`` in time."""


class FunctionCodeNotFound(LocalCloudError):
    """A Lambda function's code is not a staged CDK asset the in-process runtime can import."""


class UnsupportedTarget(LocalCloudError):
    """A scheduled rule has a target the schedule driver cannot deliver to, so it must not run without it."""

    def __init__(self, rule_name: str, target_id: str, target_arn: str, reason: str) -> None:
        super().__init__(f"rule {rule_name}, target {target_id} ({target_arn}): {reason}")
        self.rule_name = rule_name
        self.target_id = target_id
        self.target_arn = target_arn


class ScheduleNotFound(LocalCloudError):
    """No enabled rule with a ``ScheduleExpression`` has the name asked for."""


class UnsupportedEventSource(LocalCloudError):
    """An SQS event source mapping uses a setting the poller does not implement (it would change delivery)."""


class DrainTimeout(LocalCloudError):
    """The mapped queues still had visible messages when ``SqsPoller.drain`` ran out of time."""
