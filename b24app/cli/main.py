"""`b24app`: serve, check, events, sandbox, demo, replay and the report commands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from b24app.cli import admin, check, events, migrate, replay, reports, serve, sla
from b24app.cli.startup import CommandError, Subparsers, configure_logging, known_secrets
from b24app.config.errors import ConfigError
from b24app.config.settings import settings_from_environment
from b24demo import cli as demo
from b24sandbox import cli as sandbox

# every command family, in the order `b24app --help` lists them
COMMAND_FAMILIES: tuple[Callable[[Subparsers], None], ...] = (
    serve.register,
    check.register,
    events.register,
    sandbox.register,
    admin.register,
    demo.register,
    migrate.register,
    replay.register,
    reports.register,
    sla.register,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="b24app", description=__doc__)
    parser.add_argument("--config", help="regulation TOML file (default: $B24APP_CONFIG)")
    sub = parser.add_subparsers(dest="command", required=True)
    for register in COMMAND_FAMILIES:
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = settings_from_environment()
        configure_logging(settings.log_level, known_secrets(settings))
        return int(args.func(args))
    except ConfigError as exc:
        for line in str(exc).splitlines():  # one line per wrong key, each with its path
            sys.stderr.write(f"b24app: configuration error: {line}\n")
        return 2
    except CommandError as exc:
        sys.stderr.write(f"b24app: {exc}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
