"""A process that becomes the scheduler's leader catches up at once (start or takeover)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from b24app.config.settings import load_settings
from b24app.services import Services
from rules.regulation import AppConfig
from scheduler.jobs import RUN_WHEN_ELECTED
from scheduler.runner import build_scheduler


def test_a_new_leader_runs_the_catch_up_and_the_binding_check_at_once(tmp_path: Path) -> None:
    services = Services(load_settings({"B24APP_DATA_DIR": str(tmp_path)}), AppConfig())
    scheduler, leader = build_scheduler(services)
    scheduler.start(paused=True)
    try:
        before = {job.id: job.next_run_time for job in scheduler.get_jobs()}
        assert leader.is_leader()
        elected = {job.id: job.next_run_time for job in scheduler.get_jobs()}
        soon = datetime.now(UTC) + timedelta(seconds=1)
        for name in RUN_WHEN_ELECTED:
            assert elected[name] <= soon < before[name]
        assert elected["check_sla_clocks"] == before["check_sla_clocks"]
        scheduler.modify_job("catch_up", next_run_time=before["catch_up"])
        assert leader.is_leader()  # renewing is not being elected again
        assert scheduler.get_job("catch_up").next_run_time == before["catch_up"]
    finally:
        scheduler.shutdown(wait=False)
        services.close()
