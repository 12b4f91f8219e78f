"""Page fixtures: one played scenario for the read-only tests, a fresh stack for settings, one
headless Chromium per test module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.pages.browser import launch
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


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by playwright (the modules that use it skip without either)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()
