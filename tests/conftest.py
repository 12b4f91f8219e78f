"""Shared by every test: `b24app` commands configure the root logger; put it back afterwards.
A command run without B24APP_DATA_DIR uses the per-user data directory: a test's own one.
The sandbox portal answers at once (TCP_NODELAY), not ~40 ms late per REST call."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from b24sandbox.http import SandboxServer


@pytest.fixture(autouse=True)
def _restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in [h for h in root.handlers if h not in handlers]:
        root.removeHandler(handler)
    root.setLevel(level)


@pytest.fixture(autouse=True)
def _own_user_data_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg-data")))


@pytest.fixture(autouse=True, scope="session")
def _sandbox_answers_at_once() -> Iterator[None]:
    """Tests wait on the app, not on Nagle: see SandboxServer.tcp_nodelay."""
    SandboxServer.tcp_nodelay = True
    yield
    SandboxServer.tcp_nodelay = False
