"""The container image builds, runs as a non-root user, and its HEALTHCHECK passes — where a
container runtime answers (`docker info`); elsewhere the test is skipped and says why."""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IMAGE = "b24-reglament:test"


def runtime_missing() -> str | None:
    docker = shutil.which("docker")
    if docker is None:
        return "no container runtime: the docker client is not installed"
    info = subprocess.run([docker, "info"], capture_output=True, text=True, check=False)
    if info.returncode != 0:
        last = (info.stderr.strip().splitlines() or ["docker info failed"])[-1]
        return f"no container runtime answers `docker info` ({last})"
    return None


def docker(*args: str, timeout: float = 60) -> str:
    answer = subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    assert answer.returncode == 0, f"docker {' '.join(args)}: {answer.stderr[-2000:]}"
    return answer.stdout.strip()


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_image_builds_runs_as_a_user_and_becomes_healthy() -> None:
    reason = runtime_missing()
    if reason:
        pytest.skip(reason)
    docker("build", "--tag", IMAGE, str(ROOT), timeout=800)
    name = f"b24app-test-{uuid.uuid4().hex[:8]}"
    docker("run", "--detach", "--name", name, "--env", "B24APP_API_TOKEN=t", IMAGE)
    try:
        deadline = time.monotonic() + 120
        status = ""
        while time.monotonic() < deadline:
            status = docker("inspect", "--format", "{{.State.Health.Status}}", name)
            if status in ("healthy", "unhealthy"):
                break
            time.sleep(2)
        assert status == "healthy", docker("logs", name)
        assert docker("exec", name, "id", "-u") != "0"
        assert "/api/*: Bearer B24APP_API_TOKEN" in docker("logs", name)  # the start-up line
    finally:
        subprocess.run(["docker", "rm", "--force", name], capture_output=True, check=False)
