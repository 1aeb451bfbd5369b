"""Run Lambda functions in-process: moto invokes them through Docker, which this machine does not have.

moto gap (5.2.5): ``LambdaFunction._invoke_lambda(self, event)`` starts a Docker container. Every
Lambda path in moto (``lambda.invoke``, Step Functions tasks, SQS event source mappings) ends
there, so replacing it runs the function's real handler, imported from its staged CDK asset.

Each function gets one worker thread, its "execution environment": as on Lambda, the module is
imported and every event handled on that same thread, one at a time. Handlers that keep
per-thread state from import time (Mangum's event loop) depend on that.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from moto.awslambda.models import LambdaFunction

from localcloud.assets import StagedAsset
from localcloud.errors import FunctionCodeNotFound

Handler = Callable[[Any, Any], Any]
InvokeResult = tuple[str, bool, str]


@dataclass
class LambdaContext:
    """The parts of the Lambda context object handlers and Powertools read."""

    function_name: str
    function_version: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    log_group_name: str
    timeout_s: float
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_stream_name: str = "localcloud"
    _deadline: float = field(init=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_s

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the function's configured timeout."""
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@contextlib.contextmanager
def _environment(variables: Mapping[str, str]) -> Iterator[None]:
    """``os.environ`` with ``variables`` applied, restored afterwards."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextlib.contextmanager
def _on_sys_path(directory: Path) -> Iterator[None]:
    """``directory`` first on ``sys.path``, so a handler's sibling modules import as they do in Lambda."""
    sys.path.insert(0, str(directory))
    try:
        yield
    finally:
        sys.path.remove(str(directory))


class InProcessLambdaRuntime:
    """Replaces moto's Docker-based invocation with an in-process call of the function's handler."""

    def __init__(self, assets: Mapping[str, StagedAsset], overrides: Mapping[str, str]) -> None:
        self._assets = dict(assets)
        self._overrides = dict(overrides)
        # One invocation at a time: each applies its own environment to the shared os.environ.
        self._lock = threading.Lock()
        self._handlers: dict[tuple[str, str], tuple[Handler, Path]] = {}
        self._environments: dict[str, ThreadPoolExecutor] = {}
        self._original: Callable[..., InvokeResult] | None = None

    def add_assets(self, assets: Mapping[str, StagedAsset]) -> None:
        """Make more staged assets (by S3 object key) importable."""
        self._assets.update(assets)

    def install(self) -> None:
        """Patch ``LambdaFunction._invoke_lambda``; idempotent."""
        if self._original is not None:
            return
        self._original = LambdaFunction._invoke_lambda
        runtime = self

        def _invoke_lambda(function: LambdaFunction, event: Any = None) -> InvokeResult:
            return runtime.invoke(function, event)

        LambdaFunction._invoke_lambda = _invoke_lambda  # type: ignore[method-assign,assignment]

    def uninstall(self) -> None:
        """Restore moto's own method; idempotent."""
        if self._original is not None:
            LambdaFunction._invoke_lambda = self._original  # type: ignore[method-assign]
            self._original = None
        for environment in self._environments.values():
            environment.shutdown(wait=False)
        self._environments.clear()
        self._handlers.clear()

    def invoke(self, function: LambdaFunction, event: Any) -> InvokeResult:
        """Run ``function``'s handler on ``event``: (JSON payload, errored, captured output)."""
        # moto hands over the parsed body, except for an empty body, which it passes as the text "{}".
        payload = json.loads(event) if isinstance(event, str) else ({} if event is None else event)
        environment = {**{k: str(v) for k, v in function.environment_vars.items()}, **self._overrides}
        environment["AWS_LAMBDA_FUNCTION_NAME"] = function.function_name
        context = LambdaContext(
            function_name=function.function_name,
            function_version=str(function.version),
            memory_limit_in_mb=int(function.memory_size),
            invoked_function_arn=function.function_arn,
            log_group_name=function.logs_group_name,
            timeout_s=float(function.timeout),
        )
        environment_thread = self._environments.setdefault(
            function.function_arn,
            ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"lambda-{function.function_name}"),
        )
        return environment_thread.submit(self._run, function, payload, context, environment).result()

    def _run(
        self, function: LambdaFunction, payload: Any, context: LambdaContext, environment: Mapping[str, str]
    ) -> InvokeResult:
        output = io.StringIO()
        with self._lock, _environment(environment):
            try:
                handler, code_dir = self._handler(function)
                with _on_sys_path(code_dir), contextlib.redirect_stdout(output):
                    result = handler(payload, context)
                body, errored = json.dumps(result), False
            except Exception as e:
                output.write(traceback.format_exc())
                body, errored = json.dumps({"errorType": type(e).__name__, "errorMessage": str(e)}), True
        logs = output.getvalue()
        function.logs_backend.ensure_log_group(function.logs_group_name)
        function.save_logs(logs or f"invoked {function.function_name}")
        return body, errored, logs

    def _handler(self, function: LambdaFunction) -> tuple[Handler, Path]:
        """The handler callable and its code directory, imported once per function and code version."""
        cache_key = (function.function_arn, str(function.code_sha_256))
        if cache_key not in self._handlers:
            self._handlers[cache_key] = self._import_handler(function)
        return self._handlers[cache_key]

    def _import_handler(self, function: LambdaFunction) -> tuple[Handler, Path]:
        asset = self._assets.get(function.code.get("S3Key", ""))
        if asset is None or not asset.path.is_dir():
            raise FunctionCodeNotFound(
                f"{function.function_name}: code {function.code.get('S3Key')!r} is not a staged directory"
            )
        module_path, _, attribute = str(function.handler).rpartition(".")
        source = asset.path.joinpath(*module_path.split(".")).with_suffix(".py")
        # A unique module name per function: two functions may both have a "handler" module.
        unique_name = f"_localcloud_fn_{asset.asset_hash[:16]}_{module_path.replace('.', '_')}"
        spec = importlib.util.spec_from_file_location(unique_name, source)
        if spec is None or spec.loader is None or not source.is_file():
            raise FunctionCodeNotFound(f"{function.function_name}: no module at {source}")
        module: ModuleType = importlib.util.module_from_spec(spec)
        sys.modules[unique_name] = module
        with _on_sys_path(asset.path):
            try:
                spec.loader.exec_module(module)
            except BaseException:
                del sys.modules[unique_name]
                raise
        handler: Handler = getattr(module, attribute)
        return handler, asset.path
