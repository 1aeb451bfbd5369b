"""Port checks made before anything starts, so a clash is reported in one line."""

from __future__ import annotations

import random
import socket

from localcloud.errors import LocalCloudError, PortInUse


def ensure_free(host: str, port: int, setting_name: str) -> None:
    """Raise ``PortInUse`` naming ``setting_name`` unless ``host:port`` can be bound now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # SO_REUSEADDR: a socket in TIME_WAIT from a previous run must not count as busy.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as e:
            raise PortInUse(port, setting_name) from e


# Below Linux's ephemeral range (32768-60999): a port the OS hands out for "port 0" can be given
# to an outgoing connection between our check and the server's bind, and then the server fails.
_PICK_RANGE = (20_000, 32_000)
_PICK_ATTEMPTS = 50


def pick_free(host: str) -> int:
    """A free port on ``host``, chosen where outgoing connections never take one."""
    for _ in range(_PICK_ATTEMPTS):
        port = random.randrange(*_PICK_RANGE)  # noqa: S311 - spreading picks, not a secret
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((host, port))
            except OSError:
                continue
            return port
    raise LocalCloudError(f"no free port found between {_PICK_RANGE[0]} and {_PICK_RANGE[1]}")


def resolve(host: str, port: int, setting_name: str) -> int:
    """``port`` checked free, or a free port when ``port`` is 0."""
    if port == 0:
        return pick_free(host)
    ensure_free(host, port, setting_name)
    return port
