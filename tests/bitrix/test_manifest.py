"""install.json and the code agree: the events it binds are the events the router handles.

Which package may import which is checked by import-linter (the contracts in pyproject.toml,
`lint-imports` in CI), not here.
"""

from __future__ import annotations

import json
from pathlib import Path

from b24app.bitrix.events import APP_EVENTS
from handlers.registry import router

ROOT = Path(__file__).resolve().parent.parent.parent


def test_install_json_events_match_the_router() -> None:
    manifest = json.loads((ROOT / "install.json").read_text(encoding="utf-8"))
    handled_by_web = set(APP_EVENTS)
    assert set(manifest["events"]) - handled_by_web == set(router.events)
    assert set(manifest["offline_events"]) <= set(router.events)


def test_packaged_manifest_is_the_same_as_the_repo_one() -> None:
    repo = json.loads((ROOT / "install.json").read_text(encoding="utf-8"))
    packaged = json.loads((ROOT / "b24app" / "data" / "install.json").read_text(encoding="utf-8"))
    assert repo == packaged
