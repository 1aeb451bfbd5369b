"""One daemon thread with an idempotent start and a bounded stop, for the local cloud's background drivers."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from botocore.exceptions import BotoCoreError, ClientError

from localcloud.errors import LocalCloudError

logger = logging.getLogger(__name__)

# What one round of a driver may raise and still be worth retrying next round: the emulator's
# answers, the transport's, and the local cloud's own. Anything else is a bug and ends the thread
# with its traceback printed, rather than being logged away every round.
ROUND_ERRORS: tuple[type[Exception], ...] = (LocalCloudError, ClientError, BotoCoreError)


class BackgroundLoop:
    """Runs ``body(stopping)`` in a daemon thread; ``body`` returns once ``stopping`` is set."""

    def __init__(self, name: str, stop_timeout_s: float) -> None:
        self.name = name
        self._stop_timeout_s = stop_timeout_s
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        """Whether the thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def start(self, body: Callable[[threading.Event], None]) -> None:
        """Start the thread; a no-op when it already runs."""
        if self.running:
            return
        self._stopping = threading.Event()
        # A daemon, so a round stuck in a handler can never keep the process alive after Ctrl-C.
        self._thread = threading.Thread(target=body, args=(self._stopping,), name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Ask the thread to stop and wait for it, at most ``stop_timeout_s``; a no-op when not running."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stopping.set()
        thread.join(self._stop_timeout_s)
        if thread.is_alive():
            logger.warning("%s still finishing a round after %s s", self.name, self._stop_timeout_s)
