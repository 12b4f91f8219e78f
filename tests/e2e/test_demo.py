"""`b24app demo --exit` runs the whole scripted month on a fresh data directory and exits 0."""

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
    assert "принята в работу автоматически (п. 3.5)" in out
    assert "3 ч 15 мин" in out
    assert "awaiting_approval → in_progress" in out
    assert "in_progress → reestimate" in out
    assert "done → in_progress (п. 3.2" in out
    assert "считаются отдельными задачами" in out
    assert "Billing report, November 2026" in out
    assert "ООО Ромашка" in out
    limited = out.split("Rate-limit answers from the portal: ")[1].split(",")[0]
    retried = out.split("retried: ")[1].split(" ")[0]
    assert limited == retried
    assert "REST errors left unhandled: 0" in out
    assert ", 0 failed" in out
