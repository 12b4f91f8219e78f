"""Russian names of the config's enumerations: its error messages and the settings page."""

from __future__ import annotations

RESPONSIBLE_CHECK_LABELS = {
    "warn": "предупреждать",
    "reject": "отклонять",
    "off": "не проверять",
}

PACKAGE_LABELS = {"none": "без пакета", "standard": "Стандарт", "advanced": "Продвинутый"}
