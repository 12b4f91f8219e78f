"""Page fixtures: one played scenario for the read-only tests, a fresh stack for settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pages.scenario import Scenario, play, start_stack


@pytest.fixture(scope="session")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenario]:
    played = play(start_stack(tmp_path_factory.mktemp("pages")))
    yield played
    played.stack.stop()


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Scenario]:
    """Installed, people and config in place, no tasks: for tests that change the config."""
    started = start_stack(tmp_path)
    yield started
    started.stack.stop()
