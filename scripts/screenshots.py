"""Screenshots of the pages at 1000 px and 400 px for the README (docs/screenshots/*.png).

Plays tests/pages/scenario.py on the sandbox portal (LocalStack), opens each page the way
Bitrix24 does (the iframe POST from a portal page) in Debian's headless Chromium, and saves
the iframe's content. Run: python scripts/screenshots.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.pages.browser import CHROMIUM, launch, open_in_portal  # noqa: E402
from tests.pages.scenario import Scenario, play, start_stack  # noqa: E402

log = logging.getLogger("screenshots")


def capture(page: Any, path: Path) -> None:
    """Grow the iframe to its content's height, then save the iframe element."""
    app = next(f for f in page.frames if "/b24/" in f.url)
    height = app.evaluate("document.documentElement.scrollHeight")
    page.evaluate(f"document.getElementById('app').height = {int(height) + 4}")
    page.wait_for_timeout(200)
    page.locator("#app").screenshot(path=str(path))
    log.info("saved %s (%s px high)", path, height)


def shots(scenario: Scenario) -> list[tuple[str, int, str, dict[str, str] | None]]:
    """(file name stem, viewer, placement, PLACEMENT_OPTIONS) of each page in the README."""
    task = {"taskId": str(scenario.tasks["exchange"])}
    return [
        ("dashboard", 1, "DEFAULT", None),
        ("task-tab", 1, "TASK_VIEW_TAB", task),
        ("settings", 1, "DEFAULT", {"page": "settings"}),
        ("client-view", scenario.users["anna"], "DEFAULT", None),
    ]


def shoot(scenario: Scenario, out: Path) -> None:
    with sync_playwright() as playwright:
        browser = launch(playwright)
        for name, user, placement, options in shots(scenario):
            for width in (1000, 400):
                viewport = {"width": width, "height": 900}
                context = browser.new_context(viewport=viewport, locale="ru-RU")
                page = context.new_page()
                open_in_portal(page, scenario, user, placement, options)
                page.frame_locator("#app").locator("main").wait_for()
                capture(page, out / f"{name}-{width}.png")
                context.close()
        browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("b24app").setLevel(logging.WARNING)
    if not CHROMIUM.exists():
        log.error("Debian's chromium is needed at %s: apt-get install chromium", CHROMIUM)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="b24app-screens-") as data:
        scenario = play(start_stack(Path(data)))
        try:
            shoot(scenario, args.out)
        finally:
            scenario.stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
