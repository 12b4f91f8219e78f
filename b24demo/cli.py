"""The `b24app demo` command."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from b24demo.run import run_demo


def register(subparsers: Any) -> None:
    """The `demo` command of the `b24app` parser (argparse's subparsers)."""
    parser = subparsers.add_parser("demo", help="run the regulation end to end on a sandbox portal")
    parser.add_argument("--exit", action="store_true", help="stop at the end instead of waiting")
    parser.add_argument("--data-dir", type=Path, help="where the demo keeps its database")
    parser.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    return run_demo(keep_running=not args.exit, data_dir=args.data_dir)
