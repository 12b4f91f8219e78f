"""Subcommands contributed by feature modules (demo, replay, report, sla, sync-time, migrate)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

REGISTRARS: list[Callable[[Any], None]] = []
