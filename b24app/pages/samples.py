"""The texts the app writes (handlers/messages.py), rendered with sample values for the settings
page."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from handlers import messages
from rules.regulation import RegulationConfig
from rules.validation import Violation


def message_samples(
    now: datetime, reg: RegulationConfig | None = None
) -> Sequence[tuple[str, str]]:
    """The texts the app writes, rendered with sample values and the regulation in force."""
    reg = reg or RegulationConfig()
    today = now.date()
    violation = Violation(code="title_generic", clause="2.1", details={"title": "Вопрос"})
    return (
        ("Отказ: задача не по регламенту (п. 2.1–2.3)", messages.refusal([violation], {})),
        ("Принята на оценку (п. 4.1)", messages.accepted_for_estimate(now, [])),
        ("Первая задача компании: кратко о регламенте", messages.regulation_summary(reg)),
        ("Оценка принята сразу (п. 3.5)", messages.auto_accepted(40, 45, None, reg)),
        (
            "Повторная оценка (п. 3.3)",
            messages.reestimate_requested(135, 240, 240, "3 рабочих дня", reg),
        ),
        ("Согласие другими словами (п. 4.2)", messages.consent_needs_word(135)),
        (
            "Исправление по гарантии готово (п. 3.2)",
            messages.rework_done(today, None, reg.warranty_days),
        ),
        (
            "Запрос согласования (п. 4.2)",
            messages.approval_requested(130, 135, "3 рабочих дня", reg),
        ),
        ("Оценка согласована (п. 4.2)", messages.approved("Клиент", now)),
        ("Трудозатраты близки к оценке (п. 3.3)", messages.overrun_warning(108, 135, 80)),
        ("Оценка превышена (п. 3.3)", messages.overrun_exceeded(150, 135)),
        ("Работа выполнена (п. 5.1)", messages.work_done(today, reg.warranty_days)),
        ("Замечание в гарантийный срок (п. 3.2)", messages.warranty_rework(today)),
        (
            "Комментарий после гарантии (п. 3.2)",
            messages.late_comment(today, reg.warranty_days, 43),
        ),
        ("Напоминание о сроке (п. 4.1)", messages.sla_reminder("estimate", 42, "Задача", now)),
        ("Нарушение срока (п. 4.1)", messages.sla_breach("estimate", 42, "Задача", now)),
        ("Пакетные часы (п. 6.1)", messages.package_usage("ООО Ромашка", 80, 480, 600)),
    )
