"""The settings page: the CLI's TOML file, validated on save, applied to the next event."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from datetime import date, time
from time import monotonic as time_now
from typing import Any

import pytest
import requests
from werkzeug.datastructures import MultiDict

from b24app.bitrix.limits import INTERACTIVE_CALL_TIMEOUT_SECONDS
from b24app.config.regulation import load_app_config, parse_app_config
from b24app.pages.client_rows import ClientRow
from b24app.pages.configdoc import config_file, config_to_document
from b24app.pages.settings_fields import all_fields
from b24app.pages.settings_form import form_values, submitted_values, validate
from rules.regulation import (
    AppConfig,
    CalendarConfig,
    ChatOption,
    ClientCompany,
    ContractPeriod,
    Department,
    PackageKind,
    Rates,
    RegulationConfig,
    ResponsibleCheck,
)
from rules.types import TaskState, UserId
from tests.pages.scenario import CRM_TEXT, Scenario

RICH = AppConfig(
    regulation=RegulationConfig(
        auto_accept_max_minutes=90,
        responsible_check=ResponsibleCheck.REJECT,
        generic_titles=("задача", "вопрос"),
        done_stage_ids=(12, 14),
    ),
    calendar=CalendarConfig(
        day_start=time(10, 0), days_off=(date(2026, 12, 31),), workdays=(0, 1, 2, 3)
    ),
    rates=Rates(regular_kopecks=360_050),
    integrator_ids=(UserId(7),),
    shadow_mode=True,
    clients=(
        ClientCompany(
            name="ООО Ромашка",
            group_ids=(3,),
            user_ids=(UserId(5),),
            responsible_ids=(UserId(5),),
            contracts=(
                ContractPeriod(PackageKind.STANDARD, date(2026, 1, 1)),
                ContractPeriod(PackageKind.ADVANCED, date(2026, 7, 1)),
            ),
            departments=(Department("Склад", UserId(8), (UserId(9),)),),
            chat=ChatOption(True, 40, ((50, 500_000),)),
            overrides={"warranty_days": 30},
        ),
    ),
)


def as_form(values: dict[str, Any]) -> list[tuple[str, str]]:
    """What a browser submits: unchecked boxes are absent, lists one value each, a client row
    as its fields named `clients.<n>.…`."""
    form: list[tuple[str, str]] = []
    for key, value in values.items():
        if key == "clients":
            for number, row in value:
                form.extend(row_form(number, row))
        elif isinstance(value, bool):
            if value:
                form.append((key, "1"))
        elif isinstance(value, list):
            form.extend((key, str(v)) for v in value)
        else:
            form.append((key, value))
    return form


def row_form(number: str, row: ClientRow) -> list[tuple[str, str]]:
    key = f"clients.{number}."
    form = [("client_row", number), (key + "name", row.name), (key + "kept", row.kept)]
    form += [(key + "group_ids", row.group_ids), (key + "package", row.package)]
    form += [(key + "start", row.start)] + ([(key + "contract", "1")] if row.contract else [])
    form += [(key + "user_ids", str(i)) for i in row.user_ids]
    form += [(key + "responsible_ids", str(i)) for i in row.responsible_ids]
    for name, value in row.overrides:
        form += [(key + "override_key", name), (key + "override_value", value)]
    return form


def submitted(values: dict[str, Any]) -> dict[str, Any]:
    """The form as the page reads it back."""
    return submitted_values(MultiDict(as_form(values)))


@pytest.mark.parametrize("config", [AppConfig(), RICH], ids=["defaults", "rich"])
def test_the_document_reads_back_as_the_same_config(config: AppConfig) -> None:
    assert parse_app_config(config_to_document(config)) == config


@pytest.mark.parametrize("config", [AppConfig(), RICH], ids=["defaults", "rich"])
def test_saving_the_form_unchanged_changes_nothing(config: AppConfig) -> None:
    assert validate(submitted(form_values(config))) == (config, {})


def _with_row(values: dict[str, Any], **changes: Any) -> dict[str, Any]:
    number, row = values["clients"][0]
    return values | {"clients": [(number, dataclasses.replace(row, **changes))]}


BAD_VALUES = [
    pytest.param(
        "regulation.rounding_unit_minutes", "пятнадцать", "целое число", id="not-a-number"
    ),
    pytest.param("regulation.warranty_days", "двенедели", "целое число", id="days-in-words"),
    pytest.param("regulation.rounding_unit_minutes", "0", "не меньше 1", id="zero-unit"),
    pytest.param("regulation.sla_reminder_percent", "150", "не больше 100", id="percent-over-100"),
    pytest.param("regulation.title_max_length", "3", "не меньше", id="max-below-min"),
    pytest.param("regulation.responsible_check", "maybe", "предупреждать", id="unknown-choice"),
    pytest.param("calendar.day_end", "25:00", "09:00", id="bad-time"),
    pytest.param("calendar.day_end", "08:00", "заканчиваться позже", id="day-ends-before-start"),
    pytest.param("calendar.timezone", "Europe/Nowhere", "часовой пояс", id="unknown-zone"),
    pytest.param("calendar.days_off", "31.12.2026", "2026-12-31", id="bad-date"),
    pytest.param("rates.urgent", "-5", "не меньше 0", id="negative-price"),
    pytest.param("packages.standard.hours", "десять", "число", id="hours-in-words"),
]


@pytest.mark.parametrize(("key", "value", "words"), BAD_VALUES)
def test_a_bad_value_is_answered_in_russian_next_to_its_input(
    key: str, value: str, words: str
) -> None:
    config, errors = validate(submitted(form_values(AppConfig()) | {key: value}))
    assert config is None
    assert key in errors
    assert words in errors[key]


ROW_ERRORS = [
    pytest.param({"name": "  "}, "clients.0.name", "пустым", id="no-name"),
    pytest.param({"group_ids": "12, x"}, "clients.0.group_ids", "id", id="bad-group"),
    pytest.param({"start": "вчера"}, "clients.0.start", "2026-12-31", id="bad-start"),
    pytest.param(
        {"overrides": (("warranty_days", "две"),)},
        "clients.0.overrides.warranty_days",
        "целое число",
        id="bad-override",
    ),
    pytest.param(
        {"overrides": (("title_max_length", "2"),)},
        "clients.0.overrides.title_max_length",
        "не меньше",
        id="override-contradicts",
    ),
    pytest.param({"kept": "{broken"}, "clients.0", "повреждены", id="broken-kept"),
]


@pytest.mark.parametrize(("changes", "key", "words"), ROW_ERRORS)
def test_a_bad_client_value_is_shown_in_its_row(
    changes: dict[str, Any], key: str, words: str
) -> None:
    config, errors = validate(submitted(_with_row(form_values(RICH), **changes)))
    assert config is None
    assert words in errors[key]


@pytest.mark.parametrize(
    ("contract", "start", "periods"),
    [
        pytest.param(False, "2026-10-01", 3, id="contract-ends-from-a-new-date"),
        pytest.param(True, "2026-07-01", 2, id="same-date-edits-the-last-period"),
    ],
)
def test_a_row_edits_the_current_contract_and_keeps_the_earlier(
    contract: bool, start: str, periods: int
) -> None:
    values = _with_row(form_values(RICH), contract=contract, start=start, package="standard")
    config, errors = validate(submitted(values))
    assert errors == {}
    assert config is not None
    client = config.clients[0]
    assert len(client.contracts) == periods
    assert client.package_on(date(2026, 6, 30)) is PackageKind.STANDARD
    expected = PackageKind.STANDARD if contract else PackageKind.ADVANCED
    assert client.package_on(date(2026, 9, 30)) is expected
    assert client.package_on(date(2026, 10, 1)) is (expected if contract else PackageKind.NONE)
    assert client.departments == RICH.clients[0].departments


def test_every_field_has_a_label_a_help_line_and_a_value() -> None:
    values = form_values(RICH)
    for f in all_fields():
        assert f.key in values
        assert f.label, f.key
        assert f.help, f.key
        assert not re.search(r"[a-z]{4}", f.label), f"{f.key}: the label is not Russian"


def test_choices_are_shown_by_their_russian_names() -> None:
    check = next(f for f in all_fields() if f.key == "regulation.responsible_check")
    assert check.choices == (
        ("warn", "предупреждать"),
        ("reject", "отклонять"),
        ("off", "не проверять"),
    )


# -- through the page, on a running app -------------------------------------------------------
def _admin_token(scenario: Scenario) -> str:
    page = requests.post(scenario.handler_url(), data=scenario.frame_form(1), timeout=30)
    match = re.search(r'name="s" value="([^"]+)"', page.text)
    assert match
    return match.group(1)


def _post_settings(scenario: Scenario, values: dict[str, Any]) -> requests.Response:
    token = _admin_token(scenario)
    return requests.post(
        f"{scenario.stack.url}/b24/app/settings", data=[*as_form(values), ("s", token)], timeout=30
    )


def test_bad_settings_are_not_saved(fresh: Scenario) -> None:
    services = fresh.stack.services
    before = services.config
    values = form_values(before) | {
        "regulation.rounding_unit_minutes": "0",
        "calendar.timezone": "Mars/Base",
    }
    page = _post_settings(fresh, values)
    assert page.status_code == 400
    assert "не меньше 1" in page.text
    assert "неизвестный часовой пояс «Mars/Base»" in page.text
    assert "Ничего не сохранено" in page.text
    assert not config_file(services.settings).exists()
    assert services.config is before


def test_saved_settings_are_used_by_the_next_event(fresh: Scenario) -> None:
    services, portal = fresh.stack.services, fresh.portal
    values = form_values(services.config) | {"regulation.auto_accept_max_minutes": "240"}
    page = _post_settings(fresh, values)
    assert page.status_code == 200
    assert 'id="saved"' in page.text
    path = config_file(services.settings)
    assert path == services.settings.data_dir / "regulation.toml"
    assert tomllib.loads(path.read_text())["regulation"] == {"auto_accept_max_minutes": 240}
    assert load_app_config(path) == services.config  # what `b24app serve` reads on start
    assert services.config.regulation.auto_accept_max_minutes == 240

    anna, ivan = fresh.users["anna"], fresh.users["ivan"]
    task = fresh.act(
        lambda: portal.create_task(anna, "Открыть поле «Скидка»", CRM_TEXT, responsible_id=ivan)
    )
    fresh.act(lambda: portal.add_comment(ivan, task, "Оценка: 3 часа"))
    record = services.task_store(fresh.stack.member_id).get_task(task)
    assert record is not None
    assert record.state is TaskState.IN_PROGRESS
    assert record.auto_accepted


def test_people_are_found_by_part_of_their_name(fresh: Scenario) -> None:
    token = _admin_token(fresh)
    url = f"{fresh.stack.url}/b24/app/users"
    found = requests.get(url, params={"s": token, "q": "смирн"}, timeout=30)
    assert found.status_code == 200
    assert found.json() == [{"id": fresh.users["anna"], "name": "Смирнова Анна"}]
    assert requests.get(url, params={"s": token, "q": "ж"}, timeout=30).json() == []
    portal_log = fresh.portal.requests_for("user.search")
    assert portal_log, "the names come from the portal's user.search"


def test_a_client_cannot_search_people(fresh: Scenario) -> None:
    page = requests.post(
        fresh.handler_url(), data=fresh.frame_form(fresh.users["anna"]), timeout=30
    )
    match = re.search(r'name="s" value="([^"]+)"|[?&]s=([^&"]+)', page.text)
    assert match
    token = match.group(1) or match.group(2)
    answer = requests.get(
        f"{fresh.stack.url}/b24/app/users", params={"s": token, "q": "Иван"}, timeout=30
    )
    assert answer.status_code == 403


def test_a_client_row_is_saved_with_its_people(fresh: Scenario) -> None:
    services = fresh.stack.services
    ivan, boris = fresh.users["ivan"], fresh.users["boris"]
    values = form_values(services.config)
    row = ClientRow(
        name="АО Василёк",
        group_ids="",
        user_ids=(boris,),
        responsible_ids=(boris,),
        contract=True,
        package="advanced",
        start="2026-12-01",
        overrides=(("warranty_days", "30"),),
    )
    values["clients"] = [*values["clients"], ("7", row)]
    values["supervisor_ids"] = [ivan]
    page = _post_settings(fresh, values)
    assert page.status_code == 200, page.text
    saved = tomllib.loads(config_file(services.settings).read_text())
    assert saved["clients"][-1] == {
        "name": "АО Василёк",
        "user_ids": [boris],
        "responsible_ids": [boris],
        "contracts": [{"package": "advanced", "start": date(2026, 12, 1)}],
        "overrides": {"warranty_days": 30},
    }
    assert saved["supervisor_ids"] == [ivan]
    assert services.config.client_named("АО Василёк") is not None
    assert "Лютиков Борис" in page.text  # the chip, as the people picker lists people


# -- workgroups by name -------------------------------------------------------------------------
def test_workgroups_are_found_by_part_of_their_name(fresh: Scenario) -> None:
    """sonet_group.get FILTER[%NAME] (docs: api-reference/sonet-group/sonet-group-get.md): any
    part of the name, any letter case; the admin's token sees secret groups with IS_ADMIN=Y."""
    hidden = fresh.portal.add_group("Секретный проект Лютика", owner_id=fresh.users["maria"])
    token = _admin_token(fresh)
    url = f"{fresh.stack.url}/b24/app/groups"
    found = requests.get(url, params={"s": token, "q": "лютик"}, timeout=30)
    assert found.status_code == 200
    assert found.json() == [
        {"id": fresh.group, "name": "ИП Лютик"},
        {"id": hidden, "name": "Секретный проект Лютика"},
    ]
    assert requests.get(url, params={"s": token, "q": "л"}, timeout=30).json() == []
    asked = fresh.portal.requests_for("sonet_group.get")
    assert asked, "the names come from the portal's sonet_group.get"


def test_a_client_cannot_search_workgroups(fresh: Scenario) -> None:
    page = requests.post(
        fresh.handler_url(), data=fresh.frame_form(fresh.users["anna"]), timeout=30
    )
    match = re.search(r'name="s" value="([^"]+)"|[?&]s=([^&"]+)', page.text)
    assert match
    token = match.group(1) or match.group(2)
    answer = requests.get(
        f"{fresh.stack.url}/b24/app/groups", params={"s": token, "q": "Лютик"}, timeout=30
    )
    assert answer.status_code == 403
    assert answer.json() == {"error": "Поиск доступен только администраторам."}
    assert not fresh.portal.requests_for("sonet_group.get")


def _settings_page(scenario: Scenario) -> str:
    token = _admin_token(scenario)
    page = requests.get(f"{scenario.stack.url}/b24/app/settings", params={"s": token}, timeout=30)
    assert page.status_code == 200, page.text
    return page.text


def _chip(page: str, name: str, group_id: int) -> str:
    found = re.search(
        rf'<li class="chip[^"]*" data-id="{group_id}"[^>]*>\s*'
        rf'<input type="hidden" name="{re.escape(name)}" value="{group_id}">(.*?)</li>',
        page,
        re.DOTALL,
    )
    assert found, f"no chip for group {group_id} in {name}"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1).replace("&nbsp;", " ")).split())


def test_a_clients_workgroup_is_shown_by_name_with_its_number(fresh: Scenario) -> None:
    page = _settings_page(fresh)
    assert _chip(page, "clients.1.group_ids", fresh.group) == f"ИП Лютик № {fresh.group} ×"
    assert 'placeholder="Начните вводить название группы"' in page


def test_a_workgroup_that_is_gone_is_shown_and_kept(fresh: Scenario) -> None:
    """An id the portal no longer returns is named «группа N (не найдена)» and saved back as it
    was: the admin removes it, the page does not."""
    services = fresh.stack.services
    lutik = services.config.clients[1]
    gone = 9999
    services.set_config(
        dataclasses.replace(
            services.config,
            clients=(services.config.clients[0], dataclasses.replace(lutik, group_ids=(gone,))),
        )
    )
    page = _settings_page(fresh)
    assert _chip(page, "clients.1.group_ids", gone) == "группа 9999 (не найдена) ×"
    saved = _post_settings(fresh, form_values(services.config))
    assert saved.status_code == 200, saved.text
    assert tomllib.loads(config_file(services.settings).read_text())["clients"][1]["group_ids"] == [
        gone
    ]


def test_picked_workgroups_are_saved_as_ids(fresh: Scenario) -> None:
    """Each chip submits one id; the file stores `group_ids` as before (a list of numbers)."""
    services = fresh.stack.services
    other = fresh.portal.add_group("Лютик: поддержка", [1], visible=True)
    values = form_values(services.config)
    form = [(k, v) for k, v in as_form(values) if k != "clients.1.group_ids"] + [
        ("clients.1.group_ids", str(fresh.group)),
        ("clients.1.group_ids", str(other)),
    ]
    token = _admin_token(fresh)
    page = requests.post(
        f"{fresh.stack.url}/b24/app/settings", data=[*form, ("s", token)], timeout=30
    )
    assert page.status_code == 200, page.text
    saved = tomllib.loads(config_file(services.settings).read_text())
    assert saved["clients"][1]["group_ids"] == [fresh.group, other]
    assert services.config.clients[1].group_ids == (fresh.group, other)
    assert _chip(page.text, "clients.1.group_ids", other) == f"Лютик: поддержка № {other} ×"


def test_without_an_answer_a_workgroup_is_not_called_missing(fresh: Scenario) -> None:
    """A portal that refuses sonet_group.get (a token without the `sonet_group` scope →
    403 insufficient_scope) leaves the ids as they are: «группа N», not «не найдена»; the search
    says in Russian that Bitrix24 did not answer."""
    fresh.portal.fail_next(
        "sonet_group.get", status=403, error="insufficient_scope", description="", times=2
    )
    page = _settings_page(fresh)
    assert _chip(page, "clients.1.group_ids", fresh.group) == f"группа {fresh.group} ×"
    token = _admin_token(fresh)
    answer = requests.get(
        f"{fresh.stack.url}/b24/app/groups", params={"s": token, "q": "Лютик"}, timeout=30
    )
    assert answer.status_code == 502
    assert answer.json() == {"error": "Битрикс24 не ответил на поиск."}


@pytest.mark.slow
def test_a_portal_that_is_down_costs_the_settings_page_one_bounded_read(fresh: Scenario) -> None:
    """With a session link the page needs no portal call to let the admin in; its name lookups
    then meet a portal that does not answer. One read, bounded by the page timeout, and the page
    renders with the stored names and plain group chips (it was 50 s of retries of three reads);
    the people search answers «не ответил» after one bounded read too (it was ~17 s)."""
    token = _admin_token(fresh)
    fresh.portal.set_unreachable(600)
    stats = fresh.stack.services.stats
    before = stats.requests
    started = time_now()
    page = requests.get(f"{fresh.stack.url}/b24/app/settings", params={"s": token}, timeout=60)
    took = time_now() - started
    assert page.status_code == 200
    assert stats.requests - before == 1  # the groups are not asked after the names failed
    assert took < 2 * INTERACTIVE_CALL_TIMEOUT_SECONDS
    assert _chip(page.text, "clients.1.group_ids", fresh.group) == f"группа {fresh.group} ×"
    before, started = stats.requests, time_now()
    answer = requests.get(
        f"{fresh.stack.url}/b24/app/users", params={"s": token, "q": "Иван"}, timeout=60
    )
    assert answer.status_code == 502
    assert answer.json() == {"error": "Битрикс24 не ответил на поиск."}
    assert stats.requests - before == 1
    assert time_now() - started < 2 * INTERACTIVE_CALL_TIMEOUT_SECONDS
