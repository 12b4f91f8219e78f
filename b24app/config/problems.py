"""Values that pass the schema one by one but make no sense together: a title minimum above its
maximum, a working day that ends before it starts (also checked for every client's overrides)."""

from __future__ import annotations

from rules.regulation import AppConfig, CalendarConfig, RegulationConfig


def config_problems(config: AppConfig) -> dict[str, str]:
    """Key → Russian message, for every pair of values that contradict each other."""
    problems = _regulation_errors(config.regulation, "regulation")
    for i, client in enumerate(config.clients):
        scoped = _regulation_errors(config.regulation_for(client), f"clients[{i}].overrides")
        problems |= {k: v for k, v in scoped.items() if k.rsplit(".", 1)[-1] in client.overrides}
    return problems | _calendar_errors(config.calendar)


def _regulation_errors(reg: RegulationConfig, scope: str) -> dict[str, str]:
    if reg.title_min_length > reg.title_max_length:
        return {
            f"{scope}.title_max_length": f"должно быть не меньше наименьшей длины названия "
            f"({reg.title_min_length})"
        }
    return {}


def _calendar_errors(cal: CalendarConfig) -> dict[str, str]:
    if cal.day_start >= cal.day_end:
        return {"calendar.day_end": "рабочий день должен заканчиваться позже, чем начинается"}
    return {}
