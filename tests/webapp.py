"""Shared by the web tests: an installed portal, its tokens, and captured event bodies."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from b24app.config.settings import Settings
from b24app.services import Services
from rules.regulation import AppConfig

FIXTURES = Path(__file__).parent / "fixtures" / "events"
MEMBER = "a223c6b3710f85df22e9377d6c4f7553"
TOKEN = "51856fefc120afa4b628cc82d3935cce"
API_TOKEN = "s3cret"


def event_body(name: str, **changes: str) -> str:
    """A captured event (tests/fixtures/events/<name>) with some fields replaced."""
    lines = (FIXTURES / name).read_text(encoding="utf-8").splitlines()
    pairs = parse_qsl(next(x for x in lines if x and not x.startswith("#")), keep_blank_values=True)
    return urlencode([(k, changes.get(k, v)) for k, v in pairs])


def installed_services(data_dir: Path) -> Services:
    """Services with the fixtures' portal installed (its application token is TOKEN)."""
    svc = Services(Settings(data_dir=data_dir, api_token=API_TOKEN), AppConfig())
    svc.portals.save_install(
        member_id=MEMBER,
        domain="acme.bitrix24.ru",
        client_endpoint="https://acme.bitrix24.ru/rest/",
        server_endpoint="",
        access_token="a",
        refresh_token="r",
        expires_at=0.0,
        application_token=TOKEN,
        scope="task",
        user_id=1,
        mode="app",
    )
    return svc
