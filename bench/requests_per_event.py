"""REST requests per processed event, per event type, against the minimum the event needs.

    python -m bench.requests_per_event

The app runs in-process (LocalStack) with its worker driven by hand, one inbox row at a time,
so every request the sandbox logs belongs to exactly one event.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from b24demo.stack import LocalStack
from bench.common import GOOD_TEXT, World

# (label, minimum requests, why)
MINIMUM = {
    "ONTASKADD refused (п. 2.1)": (2, "1 read batch (task + users) + 1 write batch (comment)"),
    "ONTASKADD accepted": (2, "1 read batch + 1 write batch (comment)"),
    "ONTASKADD by an employee": (1, "1 read batch; nothing to write"),
    "ONTASKUPDATE, nothing changed": (1, "1 read batch (events carry ids only)"),
    "ONTASKCOMMENTADD estimate": (2, "1 read batch (comment + task + author) + 1 write batch"),
    "ONTASKCOMMENTADD «Согласовано»": (2, "1 read batch + 1 write batch (start + comment)"),
    "ONTASKCOMMENTADD question": (1, "1 read batch; nothing to write"),
    "ONTASKCOMMENTADD own comment": (0, "none: the app knows the comment ids it wrote"),
    "ONTASKUPDATE after the app's own write": (1, "1 read batch (the portal does not say who)"),
}


def drain_counted(stack: LocalStack, label_of: Callable[[str, int], str]) -> list[tuple[str, int]]:
    """Process one inbox row at a time; (label, REST requests) per row."""
    counted: list[tuple[str, int]] = []
    while True:
        stack.portal.wait_idle()
        stack.portal.reset_log()
        pending = stack.services.inbox.list_rows("pending", limit=1000)
        if not pending:
            return counted
        row = min(pending, key=lambda r: r["id"])
        stack.worker.drain(limit=1)
        requests = sum(1 for r in stack.portal.requests if r.rest_method != "oauth.token")
        counted.append((label_of(row["event"], row["task_id"]), requests))


def run(tmp: Path) -> dict[str, list[int]]:
    results: dict[str, list[int]] = defaultdict(list)
    labels: dict[tuple[str, int], str] = {}
    with LocalStack(tmp, rate_limit=None, run_worker=False) as stack:
        stack.install()
        portal = stack.portal
        world = World.create(portal)

        def label(event: str, task_id: int) -> str:
            if event == "ONTASKCOMMENTADD":
                return labels.pop((event, task_id), "ONTASKCOMMENTADD own comment")
            return labels.pop((event, task_id), f"{event} after the app's own write")

        def record(event: str, task_id: int, text: str) -> None:
            labels[(event, task_id)] = text

        def step() -> None:
            for name, count in drain_counted(stack, label):
                results[name].append(count)

        for n in range(5):
            bad = world.add_task(100 + 3 * n, good=False)
            record("ONTASKADD", bad, "ONTASKADD refused (п. 2.1)")
            good = world.add_task(101 + 3 * n, good=True)
            record("ONTASKADD", good, "ONTASKADD accepted")
            staff = portal.create_task(1, f"Внутренняя задача {n}", GOOD_TEXT, responsible_id=1)
            record("ONTASKADD", staff, "ONTASKADD by an employee")
            step()
            portal.update_task(world.client_id, good, priority=2)
            record("ONTASKUPDATE", good, "ONTASKUPDATE, nothing changed")
            step()
            portal.add_comment(world.client_id, good, "А когда будет оценка?")
            record("ONTASKCOMMENTADD", good, "ONTASKCOMMENTADD question")
            step()
            portal.add_comment(1, good, "Оценка: 2 часа, срок 3 дня")
            record("ONTASKCOMMENTADD", good, "ONTASKCOMMENTADD estimate")
            step()
            portal.add_comment(world.client_id, good, "Согласовано")
            record("ONTASKCOMMENTADD", good, "ONTASKCOMMENTADD «Согласовано»")
            step()
    return results


def table(results: dict[str, list[int]]) -> str:
    lines = [
        "| event | events | requests per event (mean / max) | minimum | at minimum | minimum is |",
        "|---|---:|---:|---:|---|---|",
    ]
    for name, (minimum, why) in MINIMUM.items():
        counts = results.get(name, [])
        if not counts:
            continue
        mean = sum(counts) / len(counts)
        ok = "yes" if max(counts) <= minimum else "**no**"
        lines.append(
            f"| {name} | {len(counts)} | {mean:.2f} / {max(counts)} | {minimum} | {ok} | {why} |"
        )
    return "\n".join(lines)


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-rpe-") as tmp:
        results = run(Path(tmp))
    print(table(results))
    unknown = sorted(set(results) - set(MINIMUM))
    if unknown:
        print("unclassified:", unknown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
