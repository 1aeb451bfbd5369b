"""Cold-start support for handler modules: their imports and set-up run without the cyclic GC.

Everything a handler builds at import (frameworks, clients, the app) lives as long as the
execution environment, yet the collector would walk it again and again while it is being built:
about 90 ms of a ~430 ms API cold start on the development machine. Pausing collection while
initialising, then freezing what was built into the permanent generation, removes that work and
keeps later collections during requests from re-scanning it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def initialising() -> Iterator[None]:
    """Wrap a handler module's imports and set-up; collection resumes afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
