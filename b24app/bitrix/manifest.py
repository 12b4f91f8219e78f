"""The app manifest (install.json): scopes, events, handler paths, placements."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Manifest:
    name: str
    scopes: tuple[str, ...]
    events: tuple[str, ...]
    offline_events: tuple[str, ...]
    handler_path: str
    install_path: str
    event_handler_path: str
    placements: tuple[dict[str, str], ...]


def _manifest_text() -> str:
    repo_copy = Path(__file__).resolve().parents[2] / "install.json"
    if repo_copy.is_file():
        return repo_copy.read_text(encoding="utf-8")
    return resources.files("b24app").joinpath("data/install.json").read_text(encoding="utf-8")


@cache
def load_manifest() -> Manifest:
    data: dict[str, Any] = json.loads(_manifest_text())
    return Manifest(
        name=data["name"],
        scopes=tuple(data["scopes"]),
        events=tuple(data["events"]),
        offline_events=tuple(data.get("offline_events", [])),
        handler_path=data["handler_path"],
        install_path=data["install_path"],
        event_handler_path=data["event_handler_path"],
        placements=tuple(data.get("placements", [])),
    )
