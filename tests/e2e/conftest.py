"""End-to-end fixtures: the sandbox portal and the app over real HTTP (fast-bitrix24 included)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from b24demo.stack import LocalStack, free_port
from b24sandbox.portal import SandboxPortal
from rules.regulation import AppConfig

API_TOKEN = "serve-api-token"  # ServeProcess's B24APP_API_TOKEN (health details need it)
GOOD_TITLE = "Добавить поле ИНН в карточку компании"
GOOD_TEXT = (
    "В карточке компании https://acme.bitrix24.ru/crm/company/details/5/ нужно поле ИНН: "
    "обязательное, 10 или 12 цифр, с проверкой контрольной суммы."
)


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LocalStack]:
    with LocalStack(tmp_path, config=AppConfig(), rate_limit=None) as running:
        running.install()
        yield running


def people(portal: SandboxPortal) -> tuple[int, int]:
    integrator = portal.add_user("Иван", "Петров", departments=[1])
    client = portal.add_user("Анна", "Смирнова", extranet=True)
    return integrator, client


def app_comments(portal: SandboxPortal, task_id: int) -> list[str]:
    """What the app (REST runs as the installing user 1) wrote on a task, both card types."""
    snapshot = portal.snapshot()
    chats = {c["id"]: c["task_id"] for c in snapshot["chats"]}
    texts = [
        c["message"]
        for c in snapshot["comments"]
        if c["task_id"] == task_id and c["author_id"] == 1
    ]
    texts += [
        m["text"]
        for m in snapshot["messages"]
        if chats.get(m["chat_id"]) == task_id and m["author_id"] == 1
    ]
    return texts


class ServeProcess:
    """`b24app serve` as a real process (so it can be killed with SIGKILL)."""

    def __init__(self, data_dir: Path, portal: SandboxPortal, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(
            os.environ,
            B24APP_DATA_DIR=str(data_dir),
            B24APP_PUBLIC_URL=self.url,
            B24_CLIENT_ID=portal.client_id,
            B24_CLIENT_SECRET=portal.client_secret,
            B24_OAUTH_URL=portal.oauth_token_url,
            B24APP_WORKER_POLL_SECONDS="0.05",
            B24APP_LOG_LEVEL="INFO",
        )
        self.env.update({"B24APP_API_TOKEN": API_TOKEN, **env})
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = data_dir / "serve.log"

    def start(self, **env: str) -> ServeProcess:
        command = [sys.executable, "-m", "b24app.cli", "serve", "--port", str(self.port)]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(command, env={**self.env, **env}, stdout=log, stderr=log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).status_code in (200, 503):
                    return self
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError(f"b24app serve did not start: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def health(self) -> dict[str, Any]:
        answer: dict[str, Any] = requests.get(
            f"{self.url}/healthz", headers={"Authorization": f"Bearer {API_TOKEN}"}, timeout=5
        ).json()
        return answer
