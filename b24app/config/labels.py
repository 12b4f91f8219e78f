"""Russian names of the config's enumerations: its error messages and the settings page."""

from __future__ import annotations

from handlers.report_texts import PACKAGES

RESPONSIBLE_CHECK_LABELS = {
    "warn": "предупреждать",
    "reject": "отклонять",
    "off": "не проверять",
}

PACKAGE_LABELS = PACKAGES  # one table of package names: the bill, the pages and the settings
