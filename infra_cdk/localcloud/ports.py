"""Port checks made before anything starts, so a clash is reported in one line."""

from __future__ import annotations

import socket

from localcloud.errors import PortInUse


def ensure_free(host: str, port: int, setting_name: str) -> None:
    """Raise ``PortInUse`` naming ``setting_name`` unless ``host:port`` can be bound now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # SO_REUSEADDR: a socket in TIME_WAIT from a previous run must not count as busy.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as e:
            raise PortInUse(port, setting_name) from e


def pick_free(host: str) -> int:
    """A port the OS reports free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def resolve(host: str, port: int, setting_name: str) -> int:
    """``port`` checked free, or a free port when ``port`` is 0."""
    if port == 0:
        return pick_free(host)
    ensure_free(host, port, setting_name)
    return port
