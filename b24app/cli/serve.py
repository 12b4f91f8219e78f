"""`b24app serve`: the web server (waitress), the inbox worker and the scheduler in one process."""

from __future__ import annotations

import argparse
import logging
import socket
import threading

from waitress import create_server

from b24app.app import create_app
from b24app.cli.startup import Subparsers, at_rest, build_services, fail, next_step_hint, out
from b24app.web.access import exposure
from b24app.worker import Worker
from scheduler.runner import build_scheduler

log = logging.getLogger("b24app")

BUSY_HINT = "is another `b24app serve` running? Stop it or choose another --port"


def register(sub: Subparsers) -> None:
    serve = sub.add_parser("serve", help="run the web server, worker and scheduler")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.set_defaults(func=cmd_serve)


def check_port(host: str, port: int) -> None:
    """Bind as waitress will (SO_REUSEADDR), then let go; OSError when the port is taken."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(address)


def cmd_serve(args: argparse.Namespace) -> int:
    """Web server (waitress), inbox worker and scheduler in one process."""
    services = build_services(args)
    url = services.settings.public_url or f"http://{args.host}:{args.port}"
    worker = Worker(services)
    app = create_app(services, wakeup=worker.wakeup.set)
    try:
        check_port(args.host, args.port)  # waitress leaks its socket when the bind fails
        server = create_server(app, host=args.host, port=args.port, threads=8)
    except OSError as exc:  # the port is taken (or the address is not this machine's)
        services.close()
        return fail(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}; {BUSY_HINT}")
    released = services.inbox.release_claims_of_dead_workers()
    if released:
        log.info("%d events left in progress by a stopped process are queued again", released)
    stop = threading.Event()
    worker_thread = threading.Thread(target=worker.run, args=(stop,), name="worker", daemon=True)
    if services.settings.worker_enabled:
        worker_thread.start()
    scheduler, leader = build_scheduler(services)
    scheduler.start()
    hint = next_step_hint(services.settings, services, url)
    where = f"http://{args.host}:{server.effective_port}"
    out(f"b24app serving on {where} — {exposure(services.settings)}")
    out(at_rest(services) + (f"\n{hint}" if hint else ""))
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        worker.wakeup.set()
        scheduler.shutdown(wait=False)
        leader.release()
        if worker_thread.is_alive():
            worker_thread.join(timeout=10)
        services.close()
    return 0
