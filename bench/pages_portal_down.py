"""How long a person waits for a page while the portal does not answer.

Run by hand:  python -m bench.pages_portal_down
The sandbox portal is made unreachable (connections refused) after the admin opened the app, then
the settings page is loaded with the session link (no portal call is needed to let the admin in;
its name lookups meet the dead portal), the people search is run, and the app is opened from the
portal frame again (its user.current check meets the dead portal). Each prints its HTTP status,
its seconds, and the REST requests the app tried.
"""

from __future__ import annotations

import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import requests

from b24demo.stack import LocalStack
from rules.regulation import AppConfig, ClientCompany


def _timed(label: str, stack: LocalStack, send: Callable[[], requests.Response]) -> None:
    before = stack.services.stats.requests
    started = time.monotonic()
    answer = send()
    took = time.monotonic() - started
    tried = stack.services.stats.requests - before
    print(f"| {label} | {answer.status_code} | {took:.1f} s | {tried} |")


def main() -> int:
    with LocalStack(Path(tempfile.mkdtemp()), rate_limit=None) as stack:
        admin = 1
        client = stack.portal.add_user("Анна", "Клиентова", extranet=True)
        group = stack.portal.add_group("Ромашка: поддержка", members=[client])
        stack.services.set_config(
            AppConfig(
                clients=(
                    ClientCompany(
                        name="ООО Ромашка",
                        group_ids=(group,),
                        responsible_ids=(client,),
                    ),
                )
            )
        )
        stack.install()
        page = stack.portal.open_app(admin)
        found = re.search(r'name="s" value="([^"]+)"', page.body)
        if not found:
            print("the app page carried no session link", file=sys.stderr)
            return 1
        session = {"s": found.group(1)}
        stack.portal.set_unreachable(600)
        url = stack.url
        print("| page, portal unreachable | status | waited | REST requests tried |")
        print("|---|---|---|---|")
        _timed(
            "settings (session link)",
            stack,
            lambda: requests.get(f"{url}/b24/app/settings", params=session, timeout=300),
        )
        _timed(
            "people search",
            stack,
            lambda: requests.get(
                f"{url}/b24/app/users", params={**session, "q": "Анна"}, timeout=300
            ),
        )
        _timed("app opened from the portal", stack, lambda: _reopen(stack, admin))
    return 0


def _reopen(stack: LocalStack, user: int) -> requests.Response:
    """The portal page's frame POST (b24sandbox.appframe), taken before it went down."""
    target, form = stack.portal.frame_form(user, "DEFAULT", {})
    return requests.post(target, data=form, timeout=300)


if __name__ == "__main__":
    raise SystemExit(main())
