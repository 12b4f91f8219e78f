"""Before a command talks to the portal: one TCP connection to its REST host, with a stated
time limit, so an unreachable portal is said at once and the command stops within that time
(fast-bitrix24 itself retries a refused connection 11 times, about 18 s, without a word)."""

from __future__ import annotations

import socket
import time
from urllib.parse import urlsplit

from b24app.cli.startup import CommandError, note
from b24app.redact import mask_url
from b24app.services import Services

CONNECT_TIMEOUT_SECONDS = 5.0


def host_and_port(endpoint: str) -> tuple[str, int]:
    parts = urlsplit(endpoint)
    default = 443 if parts.scheme == "https" else 80
    return parts.hostname or "", parts.port or default


def check_reachable(endpoint: str, timeout: float = CONNECT_TIMEOUT_SECONDS) -> None:
    """Say what is tried; raise CommandError when no connection is made within `timeout`."""
    host, port = host_and_port(endpoint)
    shown = mask_url(endpoint)
    note(f"connecting to the portal {host}:{port} ({shown}), giving up after {timeout:.0f} s")
    started = time.monotonic()
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return
    except OSError as exc:
        took = time.monotonic() - started
        reason = "no answer" if isinstance(exc, TimeoutError) else exc.strerror or str(exc)
        raise CommandError(
            f"the portal {host}:{port} cannot be reached ({reason}, after {took:.1f} s): "
            "check the address in B24_WEBHOOK_URL or the installed portal, and the network"
        ) from None


def check_portal_reachable(services: Services, member_id: str) -> None:
    """check_reachable for the portal `member_id`, when it is installed."""
    portal = services.portals.get(member_id)
    if portal is None:
        return
    check_reachable(services.endpoint_for(portal))
