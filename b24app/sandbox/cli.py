"""`b24app sandbox`: serve the sandbox portal until Ctrl+C."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from b24app.sandbox.portal import SandboxPortal


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
