"""`b24app sandbox`: serve the stand-in portal until Ctrl+C."""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path
from typing import Any

from b24sandbox.portal import SandboxPortal


def register(subparsers: Any) -> None:
    """The `sandbox` command of the `b24app` parser (argparse's subparsers)."""
    sandbox = subparsers.add_parser("sandbox", help="run a local sandbox Bitrix24 portal")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8090)
    sandbox.add_argument("--no-rate-limit", action="store_true")
    sandbox.add_argument("--state", type=Path, help="keep the portal's state in this JSON file")
    sandbox.set_defaults(func=cmd_sandbox)


def cmd_sandbox(args: argparse.Namespace) -> int:
    run_sandbox(args.host, args.port, rate_limit=not args.no_rate_limit, state_file=args.state)
    return 0


def run_sandbox(host: str, port: int, *, rate_limit: bool, state_file: Path | None) -> None:
    portal = SandboxPortal(
        host, port, rate_limit=(2.0, 50) if rate_limit else None, state_file=state_file
    )
    portal.start()
    sys.stdout.write(
        f"Sandbox Bitrix24 portal at {portal.url}\n"
        f"  REST (OAuth):   {portal.rest_url}\n"
        f"  webhook user 1: {portal.webhook_url(1)}\n"
        f"  OAuth token:    {portal.oauth_token_url}\n"
        f"  client_id:      {portal.client_id}\n"
        f"  client_secret:  {portal.client_secret}\n"
        f"  member_id:      {portal.member_id}\n"
        f"  control:        {portal.url}/_sandbox/ (install, create_task, fault, requests...)\n"
        "Press Ctrl+C to stop.\n"
    )
    sys.stdout.flush()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        portal.stop()
