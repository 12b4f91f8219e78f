"""Feature modules plug in here: each adds CLI subcommands and/or web routes.

A feature module exposes `register_cli(subparsers)` and/or `register_web(app)`; list it below.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from b24app import reports_cli, reports_web  # billing report, sync-time, /api/reports

CliRegistrar = Callable[[Any], None]  # argparse's _SubParsersAction is private
WebRegistrar = Callable[[Flask], None]


def cli_registrars() -> list[CliRegistrar]:
    return [reports_cli.register_cli]


def web_registrars() -> list[WebRegistrar]:
    return [reports_web.register_web]
