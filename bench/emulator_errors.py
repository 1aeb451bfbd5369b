"""Counts what the in-process emulator and the SDK log during a run, instead of printing each record.

The emulator logs every 500 it returns (botocore may retry it, so no client sees it); urllib3 warns
when more threads share a boto3 client than its connection pool holds.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

# moto's threaded server is werkzeug; it logs every unhandled exception on this logger.
EMULATOR_LOGGER = "werkzeug"
POOL_LOGGER = "urllib3.connectionpool"


class EmulatorErrors(logging.Handler):
    """Counts records and keeps the last line of each (the exception, if any) instead of printing them."""

    def __init__(self, level: int) -> None:
        super().__init__(level=level)
        self.by_kind: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        """Count one error by the last line of its message."""
        lines = record.getMessage().strip().splitlines()
        self.by_kind[lines[-1] if lines else "?"] += 1

    @property
    def total(self) -> int:
        """Errors counted so far."""
        return sum(self.by_kind.values())


@contextmanager
def counted(logger_name: str = EMULATOR_LOGGER, level: int = logging.ERROR) -> Iterator[EmulatorErrors]:
    """Count (and keep off stderr) what ``logger_name`` logs at ``level`` or above while the block runs."""
    logger = logging.getLogger(logger_name)
    handler = EmulatorErrors(level)
    saved = (logger.handlers[:], logger.propagate)
    logger.handlers = [handler]
    logger.propagate = False
    try:
        yield handler
    finally:
        logger.handlers, logger.propagate = saved
