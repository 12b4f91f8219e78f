"""Who may see what: the iframe POST is verified with the portal, then a signed token is carried."""

from __future__ import annotations

import re

import pytest
import requests

from tests.pages.scenario import LUTIK, ROMASHKA, SCRIPT_TITLE, Scenario


def open_page(
    scenario: Scenario, user: int, placement: str = "DEFAULT", **options: str
) -> requests.Response:
    return requests.post(
        scenario.handler_url(placement),
        data=scenario.frame_form(user, placement, dict(options)),
        timeout=30,
    )


def session_token(page: requests.Response) -> str:
    match = re.search(r'name="s" value="([^"]+)"', page.text) or re.search(
        r"[?&]s=([^&\"]+)", page.text
    )
    assert match, "the page carries no session token"
    return match.group(1)


def test_task_tab_of_an_approved_task(scenario: Scenario) -> None:
    page = open_page(scenario, 1, "TASK_VIEW_TAB", taskId=str(scenario.tasks["script"]))
    assert page.status_code == 200
    text = page.text
    assert "В работе" in text
    assert "2 ч 10 мин" in text
    assert "2 ч 15 мин" in text
    assert "«Согласовано» — <span data-user>Анна Смирнова</span>" in text
    assert "Ждёт согласования → <b>В работе</b>" in text  # the history
    assert "п. 4.2" in text


def test_a_script_title_is_text(scenario: Scenario) -> None:
    page = open_page(scenario, 1, "TASK_VIEW_TAB", taskId=str(scenario.tasks["script"]))
    assert SCRIPT_TITLE not in page.text
    assert "&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;" in page.text
    dashboard = open_page(scenario, 1)
    assert "<script>alert" not in dashboard.text


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("AUTH_ID", "forged-token", id="forged-auth-id"),
        pytest.param("APPLICATION_TOKEN", "0" * 32, id="wrong-application-token"),
        pytest.param("member_id", "not-installed", id="unknown-portal"),
        pytest.param("AUTH_ID", "", id="no-auth-id"),
    ],
)
def test_forged_requests_get_403(scenario: Scenario, field: str, value: str) -> None:
    form = scenario.frame_form(1)
    form[field] = value
    page = requests.post(scenario.handler_url(), data=form, timeout=30)
    assert page.status_code == 403
    assert ROMASHKA not in page.text
    assert 'name="s"' not in page.text


def test_another_domain_is_refused(scenario: Scenario) -> None:
    url = scenario.handler_url().replace("DOMAIN=127.0.0.1", "DOMAIN=evil.example")
    page = requests.post(url, data=scenario.frame_form(1), timeout=30)
    assert page.status_code == 403


def test_the_session_token_carries_the_viewer(scenario: Scenario) -> None:
    token = session_token(open_page(scenario, 1))
    task = scenario.tasks["late"]
    page = requests.get(
        f"{scenario.stack.url}/b24/app/task/{task}", params={"s": token}, timeout=30
    )
    assert page.status_code == 200
    assert "Ждёт оценки" in page.text
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    refused = requests.get(f"{scenario.stack.url}/b24/app", params={"s": tampered}, timeout=30)
    assert refused.status_code == 403
    assert requests.get(f"{scenario.stack.url}/b24/app", timeout=30).status_code == 403


def test_frame_ancestors_is_the_portal(scenario: Scenario) -> None:
    page = open_page(scenario, 1)
    csp = page.headers["Content-Security-Policy"]
    domain = scenario.portal.domain
    assert f"frame-ancestors https://{domain} http://{domain};" in csp
    assert "X-Frame-Options" not in page.headers
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "Set-Cookie" not in page.headers


def test_a_client_sees_only_its_company(scenario: Scenario) -> None:
    anna = open_page(scenario, scenario.users["anna"])
    assert anna.status_code == 200
    assert "Не приходят уведомления" in anna.text
    assert "Склад" not in anna.text
    assert LUTIK not in anna.text
    boris = open_page(scenario, scenario.users["boris"])  # recognised by workgroup membership
    assert boris.status_code == 200
    assert "Склад" in boris.text
    assert ROMASHKA not in boris.text
    other = open_page(
        scenario, scenario.users["boris"], "TASK_VIEW_TAB", taskId=str(scenario.tasks["late"])
    )
    assert other.status_code == 403
    assert "Не приходят уведомления" not in other.text


def test_a_client_downloads_only_its_company(scenario: Scenario) -> None:
    token = session_token(open_page(scenario, scenario.users["boris"]))
    csv = requests.get(
        f"{scenario.stack.url}/b24/app/report/2026-11.csv", params={"s": token}, timeout=30
    )
    assert csv.status_code == 200
    assert LUTIK in csv.text
    assert ROMASHKA not in csv.text
    assert "attachment" in csv.headers["Content-Disposition"]
    xlsx = requests.get(
        f"{scenario.stack.url}/b24/app/report/2026-11.xlsx", params={"s": token}, timeout=30
    )
    assert xlsx.status_code == 200
    assert xlsx.content[:2] == b"PK"


def test_settings_are_for_admins_only(scenario: Scenario) -> None:
    for user in ("maria", "anna"):
        token = session_token(open_page(scenario, scenario.users[user]))
        page = requests.get(
            f"{scenario.stack.url}/b24/app/settings", params={"s": token}, timeout=30
        )
        assert page.status_code == 403, user
        assert "Настройки доступны только администраторам" in page.text
    admin = session_token(open_page(scenario, 1))
    page = requests.get(f"{scenario.stack.url}/b24/app/settings", params={"s": admin}, timeout=30)
    assert page.status_code == 200
    assert "regulation.rounding_unit_minutes" in page.text


def test_the_dashboard_lists_the_breached_task_first(scenario: Scenario) -> None:
    text = open_page(scenario, 1).text
    queue = text[text.index('id="estimate-queue"') : text.index('id="approval-queue"')]
    rows = re.findall(r'<tr class="(overdue)?" data-task="(\d+)"', queue)
    assert rows[0] == ("overdue", str(scenario.tasks["late"]))
    assert ("", str(scenario.tasks["fresh"])) in rows
    breaches = text[text.index('id="breaches"') : text.index('id="package-hours"')]
    assert f'data-task="{scenario.tasks["late"]}"' in breaches
