"""Progress of long commands (`sync-time`, `replay`) on a terminal: a tqdm bar on stderr; nothing
when the output goes to a file or a pipe (logs and cron mails stay clean)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from tqdm import tqdm

Advance = Callable[[int], None]


def _ignore(_done: int) -> None:
    return None


@contextmanager
def progress_for(total: int, unit: str, stream: TextIO | None = None) -> Iterator[Advance]:
    """A callback that moves the bar by n done items; a bar only when `stream` (stderr by
    default) is a terminal."""
    target = stream or sys.stderr
    if not target.isatty() or total <= 0:
        yield _ignore
        return
    with tqdm(
        total=total, unit=f" {unit}", file=target, dynamic_ncols=True, leave=False, mininterval=0
    ) as bar:  # each step is a REST batch: redrawing at each costs nothing

        def advance(done: int) -> None:
            bar.update(done)

        yield advance
