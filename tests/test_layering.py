"""STYLE.md §1: each layer imports only what it may; install.json and the router agree."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from b24app.events import APP_EVENTS
from handlers import router

ROOT = Path(__file__).resolve().parent.parent
SHELL_ONLY = ("flask", "fast_bitrix24", "sqlalchemy", "sqlite3", "requests", "aiohttp", "waitress")
RULES_ALLOWED_THIRD_PARTY: tuple[str, ...] = ()


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", modules("rules"), ids=lambda p: p.name)
def test_rules_import_only_stdlib_and_rules(path: Path) -> None:
    import sys

    foreign = {
        name
        for name in imports_of(path)
        if name not in sys.stdlib_module_names and name != "rules" and name != "__future__"
    }
    assert foreign <= set(RULES_ALLOWED_THIRD_PARTY), f"{path.name} imports {foreign}"


@pytest.mark.parametrize("path", modules("handlers"), ids=lambda p: p.name)
def test_handlers_never_touch_network_or_database(path: Path) -> None:
    bad = imports_of(path) & {*SHELL_ONLY, "b24app", "apscheduler", "scheduler"}
    assert not bad, f"{path.name} imports {bad}"


@pytest.mark.parametrize(
    "path",
    modules("b24app") + modules("handlers") + modules("rules"),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_apscheduler_only_in_scheduler(path: Path) -> None:
    assert "apscheduler" not in imports_of(path)


def test_install_json_events_match_the_router() -> None:
    manifest = json.loads((ROOT / "install.json").read_text(encoding="utf-8"))
    handled_by_web = set(APP_EVENTS)
    assert set(manifest["events"]) - handled_by_web == set(router.events)
    assert set(manifest["offline_events"]) <= set(router.events)


def test_packaged_manifest_is_the_same_as_the_repo_one() -> None:
    repo = json.loads((ROOT / "install.json").read_text(encoding="utf-8"))
    packaged = json.loads((ROOT / "b24app" / "data" / "install.json").read_text(encoding="utf-8"))
    assert repo == packaged
