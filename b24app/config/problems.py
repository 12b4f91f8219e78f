"""Values that parse but make no sense together: a zero rounding unit, a day that ends before it
starts, an unknown time zone."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rules.regulation import AppConfig, CalendarConfig, RegulationConfig


def config_problems(config: AppConfig) -> dict[str, str]:
    """Values that parse but make no sense (a zero rounding unit, a day that ends before it
    starts), keyed by their config key; also checked for every client's overrides."""
    problems = _regulation_errors(config.regulation, "regulation")
    for i, client in enumerate(config.clients):
        scoped = _regulation_errors(config.regulation_for(client), f"clients[{i}].overrides")
        problems |= {k: v for k, v in scoped.items() if k.rsplit(".", 1)[-1] in client.overrides}
    return problems | _calendar_errors(config.calendar)


def _regulation_errors(reg: RegulationConfig, scope: str) -> dict[str, str]:
    errors = {}
    for name in ("rounding_unit_minutes", "estimate_sla_working_minutes", "reaction_sla_hours"):
        if getattr(reg, name) < 1:
            errors[f"{scope}.{name}"] = f"{scope}.{name}: must be at least 1"
    for name in ("sla_reminder_percent", "overrun_warning_percent"):
        if not 1 <= getattr(reg, name) <= 100:
            errors[f"{scope}.{name}"] = f"{scope}.{name}: expected a percent from 1 to 100"
    if reg.title_min_length > reg.title_max_length:
        errors[f"{scope}.title_max_length"] = (
            f"{scope}.title_max_length: must not be less than title_min_length"
        )
    return errors


def _calendar_errors(cal: CalendarConfig) -> dict[str, str]:
    errors = {}
    try:
        ZoneInfo(cal.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return {"calendar.timezone": f"calendar.timezone: unknown time zone {cal.timezone!r}"}
    if not cal.workdays or not set(cal.workdays) <= set(range(7)):
        errors["calendar.workdays"] = "calendar.workdays: choose at least one day of the week"
    if cal.day_start >= cal.day_end:
        errors["calendar.day_end"] = "calendar.day_end: the working day must end after it starts"
    return errors
