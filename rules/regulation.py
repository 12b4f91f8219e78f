"""The regulation's numbers, calendar and client contracts as plain data, with its defaults.

b24app.config.regulation loads these from the TOML file; rules receive them as arguments and
keep no copies.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, time
from enum import StrEnum
from typing import Any

from rules.types import TaskStatus, UserId

GENERIC_TITLES: tuple[str, ...] = (
    "задача",
    "вопрос",
    "помогите",
    "ошибка",
    "проблема",
    "срочно",
    "не работает",
    "тест",
)

CRM_KEYWORDS: tuple[str, ...] = (
    "crm",
    "срм",
    "лид",
    "сделк",
    "контакт",
    "компани",
    "воронк",
    "смарт-процесс",
    "счет",
    "коммерческое предложение",
)


class ResponsibleCheck(StrEnum):
    """п. 1.5: what to do when a task comes from a client user other than the responsible."""

    WARN = "warn"
    REJECT = "reject"
    OFF = "off"


@dataclass(frozen=True, slots=True)
class RegulationConfig:
    """Every regulation number, with the regulation's own defaults (REGULATION.md)."""

    rounding_unit_minutes: int = 15  # п. 3.1
    auto_accept_max_minutes: int = 60  # п. 3.5
    estimate_sla_working_minutes: int = 480  # п. 4.1: 8 working hours
    reaction_sla_hours: int = 24  # п. 1.2: hours of working days
    sla_reminder_percent: int = 75  # п. 4.1: reminder at 75 % of a clock
    warranty_days: int = 14  # п. 3.2, 5.2: calendar days
    overrun_warning_percent: int = 80  # п. 3.3
    title_min_length: int = 5  # п. 2.1
    title_max_length: int = 120  # п. 2.1
    generic_titles: tuple[str, ...] = GENERIC_TITLES  # п. 2.1
    description_min_length: int = 40  # п. 2.1
    crm_keywords: tuple[str, ...] = CRM_KEYWORDS  # п. 2.2
    responsible_check: ResponsibleCheck = ResponsibleCheck.WARN  # п. 1.5
    approval_from_responsible_only: bool = False  # п. 4.2
    create_task_for_late_comment: bool = True  # п. 3.2
    done_statuses: tuple[int, ...] = (
        TaskStatus.SUPPOSEDLY_COMPLETED,
        TaskStatus.COMPLETED,
    )  # п. 5.1
    done_stage_ids: tuple[int, ...] = ()  # п. 5.1: Kanban stages meaning «Работа выполнена»
    urgent_tag: str = "срочно"  # п. 6.2.2
    urgent_priority: int = 2  # п. 6.2.2
    complete_task_on_warranty_end: bool = False  # п. 3.2: close the portal task too
    breach_comment: bool = False  # also write a task comment on an SLA breach
    set_deadline_from_term: bool = True  # п. 4.3
    working_day_minutes: int = 480  # «1 день», «полдня» in an estimate: the length of a day
    bill_unapproved_overrun: bool = False  # п. 3.3: bill time past the estimate before approval

    def with_overrides(self, overrides: dict[str, Any]) -> RegulationConfig:
        """Per-client overrides of any number (unknown keys are rejected by the config loader)."""
        return dataclasses.replace(self, **overrides) if overrides else self


@dataclass(frozen=True, slots=True)
class CalendarConfig:
    """Working time (REGULATION.md, "Working time")."""

    timezone: str = "Europe/Moscow"
    workdays: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday = 0
    day_start: time = time(9, 0)
    day_end: time = time(18, 0)
    days_off: tuple[date, ...] = ()  # company days off on top of public holidays
    working_days: tuple[date, ...] = ()  # extra working days (moved days) from config
    use_public_holidays: bool = True  # Russian public holidays and moved days from `holidays`
    shortened_pre_holiday_minutes: int = 60  # a pre-holiday day ends this much earlier


class PackageKind(StrEnum):
    """п. 6.1: support packages."""

    NONE = "none"
    STANDARD = "standard"
    ADVANCED = "advanced"


@dataclass(frozen=True, slots=True)
class Package:
    """п. 6.1: hours included per month and the price of the package."""

    kind: PackageKind
    included_minutes: int
    hour_rate_kopecks: int
    monthly_price_kopecks: int


DEFAULT_PACKAGES: dict[PackageKind, Package] = {
    PackageKind.NONE: Package(PackageKind.NONE, 0, 0, 0),
    PackageKind.STANDARD: Package(PackageKind.STANDARD, 600, 400_000, 4_000_000),
    PackageKind.ADVANCED: Package(PackageKind.ADVANCED, 1200, 350_000, 7_000_000),
}


@dataclass(frozen=True, slots=True)
class Rates:
    """п. 6.2: prices outside a package, in kopecks per hour."""

    regular_kopecks: int = 350_000  # п. 6.2.1
    urgent_kopecks: int = 450_000  # п. 6.2.2


@dataclass(frozen=True, slots=True)
class ContractPeriod:
    """A client's package from a date on (a mid-year change starts a new period)."""

    package: PackageKind
    start: date


@dataclass(frozen=True, slots=True)
class ChatOption:
    """п. 1.6: the open-line support chat option, priced by the number of portal users."""

    enabled: bool = False
    users: int = 0
    price_tiers: tuple[tuple[int, int], ...] = ()  # (max users, monthly price in kopecks)


@dataclass(frozen=True, slots=True)
class Department:
    """п. 1.5: an autonomous department of a client company with its own responsible."""

    name: str
    responsible_id: UserId
    user_ids: tuple[UserId, ...] = ()


@dataclass(frozen=True, slots=True)
class ClientCompany:
    """A client company: how its tasks are recognised, who answers for it, its contract."""

    name: str
    group_ids: tuple[int, ...] = ()
    user_ids: tuple[UserId, ...] = ()
    responsible_ids: tuple[UserId, ...] = ()
    contracts: tuple[ContractPeriod, ...] = ()
    departments: tuple[Department, ...] = ()
    integrator_ids: tuple[UserId, ...] = ()
    chat: ChatOption = ChatOption()
    overrides: dict[str, Any] = field(default_factory=dict)

    def package_on(self, day: date) -> PackageKind:
        """п. 6.1: the package in force on a day (the latest period that started by then)."""
        current = PackageKind.NONE
        for period in sorted(self.contracts, key=lambda p: p.start):
            if period.start <= day:
                current = period.package
        return current

    def all_user_ids(self) -> tuple[UserId, ...]:
        """Client users of the company, departments included."""
        ids = list(self.user_ids) + list(self.responsible_ids)
        for dep in self.departments:
            ids.extend(dep.user_ids)
            ids.append(dep.responsible_id)
        return tuple(dict.fromkeys(ids))


@dataclass(frozen=True, slots=True)
class AppConfig:
    """Everything the regulation config file holds."""

    regulation: RegulationConfig = RegulationConfig()
    calendar: CalendarConfig = CalendarConfig()
    rates: Rates = Rates()
    packages: dict[PackageKind, Package] = field(default_factory=lambda: dict(DEFAULT_PACKAGES))
    clients: tuple[ClientCompany, ...] = ()
    integrator_ids: tuple[UserId, ...] = ()  # users treated as integrators besides employees
    supervisor_ids: tuple[UserId, ...] = ()  # notified on SLA breaches
    shadow_mode: bool = False

    def client_for(self, group_id: int, user_id: int) -> ClientCompany | None:
        """A task's company: by workgroup first, then by the creator's user id."""
        for client in self.clients:
            if group_id and group_id in client.group_ids:
                return client
        for client in self.clients:
            if user_id in client.all_user_ids():
                return client
        return None

    def regulation_for(self, client: ClientCompany | None) -> RegulationConfig:
        """The regulation numbers with the client's overrides applied."""
        return self.regulation.with_overrides(client.overrides) if client else self.regulation

    def client_named(self, name: str) -> ClientCompany | None:
        """The configured client of this name (a task record keeps its client's name)."""
        return next((c for c in self.clients if c.name == name), None)
