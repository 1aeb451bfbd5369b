"""The in-process AWS emulator: moto's threaded server with Step Functions executing ASL."""

from __future__ import annotations

import logging
import os
from types import TracebackType

from moto.core.config import default_user_config
from moto.moto_api._internal.models import moto_api_backend
from moto.moto_server.threaded_moto_server import ThreadedMotoServer


class Emulator:
    """moto's server on ``host:port`` (port 0 picks a free one); a context manager."""

    def __init__(self, host: str, port: int) -> None:
        self._host = host
        self._port = port
        self._server: ThreadedMotoServer | None = None
        self._saved_execute: bool = False
        self._saved_moto_port: str | None = None

    @property
    def port(self) -> int:
        """The port the server listens on (the real one when 0 was asked for)."""
        if self._server is None:
            raise RuntimeError("the emulator is not running")
        return self._server.get_host_and_port()[1]

    @property
    def endpoint_url(self) -> str:
        """The URL boto3 clients use as ``endpoint_url``."""
        return f"http://{self._host}:{self.port}"

    def start(self) -> None:
        """Start serving; Step Functions executions run their ASL from now on."""
        if self._server is not None:
            return
        sfn_config = default_user_config.setdefault("stepfunctions", {"execute_state_machine": False})
        self._saved_execute = sfn_config.get("execute_state_machine", False)
        sfn_config["execute_state_machine"] = True
        # One access-log line per AWS call drowns everything else the local cloud prints.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        server = ThreadedMotoServer(ip_address=self._host, port=self._port, verbose=False)
        server.start()
        self._server = server
        # moto gap: the ASL interpreter's Lambda tasks call moto's Lambda over HTTP at
        # http://localhost:$MOTO_PORT (default 5000), not at the server that runs them; point it here.
        self._saved_moto_port = os.environ.get("MOTO_PORT")
        os.environ["MOTO_PORT"] = str(self.port)

    def stop(self) -> None:
        """Stop serving and restore the settings ``start`` changed; safe to call twice."""
        server, self._server = self._server, None
        if server is None:
            return
        server.stop()
        # moto's backends are process-wide: a server started later in this process must start empty.
        moto_api_backend.reset()
        default_user_config["stepfunctions"]["execute_state_machine"] = self._saved_execute
        if self._saved_moto_port is None:
            os.environ.pop("MOTO_PORT", None)
        else:
            os.environ["MOTO_PORT"] = self._saved_moto_port

    def __enter__(self) -> Emulator:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
