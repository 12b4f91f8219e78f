"""Values that pass the schema one by one but make no sense together: a title minimum above its
maximum, a working day that ends before it starts (also checked for every client's overrides)."""

from __future__ import annotations

from rules.regulation import AppConfig, CalendarConfig, RegulationConfig


def config_problems(config: AppConfig) -> dict[str, str]:
    """Key → Russian message, for every pair of values that contradict each other."""
    problems = _regulation_errors(config.regulation, "regulation", {"title_max_length"})
    for i, client in enumerate(config.clients):
        reg = config.regulation_for(client)
        problems |= _regulation_errors(reg, f"clients[{i}].overrides", set(client.overrides))
    return problems | _calendar_errors(config.calendar)


def _regulation_errors(reg: RegulationConfig, scope: str, given: set[str]) -> dict[str, str]:
    """The pair of title lengths, keyed by the one that was set (the maximum when both were)."""
    if reg.title_min_length <= reg.title_max_length:
        return {}
    if "title_max_length" in given:
        return {
            f"{scope}.title_max_length": f"должно быть не меньше наименьшей длины названия "
            f"({reg.title_min_length})"
        }
    if "title_min_length" in given:
        return {
            f"{scope}.title_min_length": f"должно быть не больше наибольшей длины названия "
            f"({reg.title_max_length})"
        }
    return {}


def _calendar_errors(cal: CalendarConfig) -> dict[str, str]:
    if cal.day_start >= cal.day_end:
        return {"calendar.day_end": "рабочий день должен заканчиваться позже, чем начинается"}
    return {}
