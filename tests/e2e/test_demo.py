"""`b24app demo --exit` runs the whole scripted month on a fresh data directory and exits 0.

In the slow step (`pytest -m slow`): the month is paced by the portal's rate limit (~70 s). Each
regulation path it walks is proven on its own in the fast suite
(tests/e2e/test_regulation_paths.py: auto-acceptance, approval, overrun → re-estimate, warranty
rework, the late comment; tests/handlers: the messages), so the lines below that name those
steps only check that the demo's story still shows them. What only this test proves is the
command: a month with the rate limit on and the scheduled jobs, the billing report, every
rate-limit answer retried, the replay agreeing with the live history, no failed event.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_demo_completes_the_month(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "b24app.cli", "demo", "--exit", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "принята в работу автоматически: оценка не больше 1 ч (п. 3.5)" in out
    assert "3 ч 15 мин" in out
    assert "awaiting_approval → in_progress" in out
    assert "in_progress → reestimate" in out
    assert "done → in_progress (п. 3.2" in out
    assert "отмашка" not in out
    assert "считаются отдельными задачами" in out
    assert "Billing report, November 2026" in out
    assert "ООО Ромашка" in out
    limited = out.split("Rate-limit answers from the portal: ")[1].split(",")[0]
    retried = out.split("retried: ")[1].split(" ")[0]
    assert limited == retried
    assert "REST errors left unhandled: 0" in out
    # issue 13: `b24app replay --since` over the month agrees with the live history
    live = out.split("live history over 4 tasks — ")[1].splitlines()[0]
    assert "task_invalid: 1" in live
    assert "warranty_rework: 1" in live
    assert "overrun: 2" in live
    replay = out.split("replay over 4 tasks — ")[1].splitlines()[0]
    assert replay == live
    assert "replay agrees with the live history" in out
    # issue 13: no false п. 1.2 breach after «Согласовано», the fix told, one late reply
    assert "sla_breached" not in out
    assert "Замечание исправлено" in out
    assert "новую задачу #3" in out
    assert "сверх оценки, не согласовано" in out
    assert ", 0 failed" in out
