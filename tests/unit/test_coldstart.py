"""Handler initialisation runs without the cyclic collector and freezes what it built."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from tradewind.coldstart import initialising


@pytest.fixture
def unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()


@pytest.mark.usefixtures("unfrozen")
def test_collection_is_paused_inside_and_resumed_after() -> None:
    assert gc.isenabled()
    with initialising():
        assert not gc.isenabled()
        built = [object() for _ in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(built)


@pytest.mark.usefixtures("unfrozen")
def test_collection_resumes_when_initialisation_fails() -> None:
    with pytest.raises(RuntimeError), initialising():
        raise RuntimeError("bad configuration")
    assert gc.isenabled()


@pytest.mark.usefixtures("unfrozen")
def test_a_disabled_collector_stays_disabled() -> None:
    gc.disable()
    try:
        with initialising():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
