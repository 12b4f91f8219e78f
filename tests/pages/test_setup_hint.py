"""Right after install no client company is configured: the dashboard says what to do next."""

from __future__ import annotations

import re

import requests

from rules.regulation import AppConfig
from tests.pages.scenario import Scenario
from tests.pages.test_access import open_page, session_token


def test_an_empty_config_links_the_admin_to_the_clients_settings(fresh: Scenario) -> None:
    fresh.stack.services.set_config(AppConfig())
    page = open_page(fresh, 1)  # user 1 installed the app: a portal admin
    assert page.status_code == 200
    hint = re.search(r'<p class="empty" id="no-clients">(.*?)</p>', page.text, re.S)
    assert hint is not None
    assert "В настройках нет клиентов" in hint.group(1)
    link = re.search(r'href="([^"]+)">Добавить клиентские компании в настройках', hint.group(1))
    assert link is not None
    assert link.group(1).startswith("/b24/app/settings?s=")
    assert link.group(1).endswith("#clients")


def test_the_settings_page_shows_no_secret(scenario: Scenario) -> None:
    token = session_token(open_page(scenario, 1))
    page = requests.get(f"{scenario.stack.url}/b24/app/settings", params={"s": token}, timeout=30)
    assert page.status_code == 200
    assert "Клиенты и договоры" in page.text
    stored = scenario.stack.services.portals.get(scenario.portal.member_id)
    assert stored is not None
    settings = scenario.stack.settings
    for secret in (
        stored.access_token,
        stored.refresh_token,
        stored.application_token,
        settings.client_secret,
        settings.api_token,
    ):
        assert secret not in page.text
