"""Right after install no client company is configured: the dashboard says what to do next."""

from __future__ import annotations

import re

from rules.regulation import AppConfig
from tests.pages.scenario import Scenario
from tests.pages.test_access import open_page


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
