"""What a page may not show people: the app's internal codes and English words.

The codes are collected from the code's own tables (enums, decision and violation tables, job
and event names), not from a hand-written list, so a new code is checked the day it is added.
Text that comes from people (task titles, names) is marked `data-user` by the templates and
left out; so are a few Latin abbreviations the portal itself uses in Russian.
"""

from __future__ import annotations

import json
import re
from enum import Enum
from pathlib import Path
from typing import Any

from b24app.pages import labels
from handlers.messages import VIOLATION_CODES
from rules import approval, estimate, lifecycle, overrun, regulation, remarks, types, warranty
from rules.worktime import ClockMode
from scheduler.jobs import JOBS

ROOT = Path(__file__).resolve().parents[2]
ALLOWED_LATIN = frozenset({"CSV", "XLSX", "CRM"})
ENGLISH_WORD = re.compile(r"(?<![\w.])[A-Za-z][A-Za-z]+(?![\w])")

_ENUMS: tuple[type[Enum], ...] = (
    types.TaskState,
    lifecycle.Trigger,
    regulation.PackageKind,
    regulation.ResponsibleCheck,
    overrun.OverrunLevel,
    remarks.Remark,
    warranty.AfterDelivery,
    ClockMode,
)


def _module_codes(module: Any, prefix: str = "") -> set[str]:
    """Upper-case string constants of a module (approval reasons, unreadable estimates)."""
    return {
        value
        for name, value in vars(module).items()
        if name.isupper() and name.startswith(prefix) and isinstance(value, str) and value
    }


def internal_codes() -> frozenset[str]:
    codes: set[str] = set()
    for enum in _ENUMS:
        codes |= {str(member.value) for member in enum}
    codes |= set(labels.DECISIONS) | set(VIOLATION_CODES) | {name for name, _, _ in JOBS}
    codes |= _module_codes(approval) - {"4.2"}
    codes |= _module_codes(estimate, "UNREADABLE_")
    install = json.loads((ROOT / "install.json").read_text(encoding="utf-8"))
    codes |= {str(e["event"] if isinstance(e, dict) else e) for e in install.get("events", [])}
    codes |= {"estimate", "reaction", "inbox", "job", "status", "stage"}
    return frozenset(c for c in codes if re.fullmatch(r"[A-Za-z_]+", c))


# Visible text nodes outside [data-user], <code> (a literal value to type: a time zone, a
# path), <script> and <style>, plus the values of controls.
VISIBLE_TEXT_JS = """
() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest('[data-user], code, script, style, template')) continue;
    if (!el.checkVisibility()) continue;
    const text = node.nodeValue.trim();
    if (text) out.push(text);
  }
  document.querySelectorAll('button, input[type=submit]').forEach(b => {
    if (!b.closest('[data-user]') && b.checkVisibility()) out.push(b.value || '');
  });
  return out.join('\\n');
}
"""


def problems_in(text: str, codes: frozenset[str]) -> list[str]:
    """Codes and English words found in a page's visible text."""
    found = [
        code for code in sorted(codes) if re.search(rf"(?<![\w]){re.escape(code)}(?![\w])", text)
    ]
    found += [w for w in ENGLISH_WORD.findall(text) if w not in ALLOWED_LATIN]
    return sorted(set(found))
