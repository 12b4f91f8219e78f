"""Feature modules plug in here: each adds CLI subcommands and/or web routes.

A feature module exposes `register_cli(subparsers)` and/or `register_web(app)`; list it below.
The imports are inside the functions: feature modules import the web app, which imports this.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

CliRegistrar = Callable[[Any], None]  # argparse's _SubParsersAction is private
WebRegistrar = Callable[[Flask], None]


def cli_registrars() -> list[CliRegistrar]:
    from b24app import admin_cli, demo, migrate_cli, replay, reports_cli, sla_report

    return [
        admin_cli.register_cli,
        demo.register_cli,
        migrate_cli.register_cli,
        replay.register_cli,
        reports_cli.register_cli,
        sla_report.register_cli,
    ]


def web_registrars() -> list[WebRegistrar]:
    from b24app import pages, reports_web

    return [reports_web.register_web, pages.register_web]
