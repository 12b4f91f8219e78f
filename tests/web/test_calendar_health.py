"""The calendar never stops the app: `b24app check` and `/healthz` warn before the table ends,
and every event is still processed past it (issue 13)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path

import pytest

from b24app.app import create_app
from b24app.cli.check import calendar_line
from b24app.config.calendar import table_end
from b24app.config.settings import Settings
from b24app.services import Services
from rules.regulation import AppConfig
from tests.webapp import API_TOKEN, installed_services


def services_at(tmp_path: Path, day_offset: int) -> Services:
    moment = datetime.combine(table_end() + timedelta(days=day_offset), time(12)).astimezone()
    return Services(Settings(data_dir=tmp_path), AppConfig(), clock=moment.timestamp)


@pytest.mark.parametrize(("offset", "warned"), [(-90, False), (-30, True), (400, True)])
def test_check_line(tmp_path: Path, offset: int, warned: bool) -> None:
    svc = services_at(tmp_path, offset)
    try:
        line = calendar_line(svc)
    finally:
        svc.close()
    assert line.startswith("calendar: WARNING") is warned
    assert table_end().isoformat() in line


def test_healthz_carries_the_calendar_warning(tmp_path: Path) -> None:
    svc = installed_services(tmp_path)
    moment = datetime.combine(table_end() - timedelta(days=10), time(12)).astimezone()
    svc.clock = moment.timestamp
    try:
        details = {"Authorization": f"Bearer {API_TOKEN}"}  # anonymous callers get the status only
        body = create_app(svc).test_client().get("/healthz", headers=details).get_json()
    finally:
        svc.close()
    assert body["calendar"]["table_ends"] == table_end().isoformat()
    assert "ends on" in body["calendar"]["warning"]


def test_a_year_past_the_table_is_counted_from_the_holidays_package(tmp_path: Path) -> None:
    svc = services_at(tmp_path, 400)
    try:
        cal = svc.calendar
        today = svc.now().date()
        assert today.year not in cal.holidays.table_years
        assert today.year in cal.holidays.covered_years
        assert isinstance(cal.is_working_day(today), bool)
    finally:
        svc.close()
