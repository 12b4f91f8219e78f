"""Monthly billing (п. 3.1, 3.3, 3.4, 6.1, 6.2, 1.6)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules.billing import (
    BillableEntry,
    ClientBill,
    InvoiceLine,
    LineKind,
    TaskOverrun,
    amount_kopecks,
    bill_month,
    billed_minutes,
    chat_price_kopecks,
    contract_parts,
    is_urgent,
    package_usage_thresholds_crossed,
)
from rules.regulation import (
    DEFAULT_PACKAGES,
    ChatOption,
    ClientCompany,
    ContractPeriod,
    PackageKind,
    Rates,
    RegulationConfig,
)

MSK = ZoneInfo("Europe/Moscow")
RATES = Rates()
STANDARD = ClientCompany(
    "ООО Ромашка", contracts=(ContractPeriod(PackageKind.STANDARD, date(2024, 1, 1)),)
)
ADVANCED = ClientCompany(
    "ООО Лютик", contracts=(ContractPeriod(PackageKind.ADVANCED, date(2024, 1, 1)),)
)
NO_CONTRACT = ClientCompany("ИП Иванов")
CHAT = ChatOption(enabled=True, users=20, price_tiers=((50, 500_000), (10, 300_000)))


def entry(
    entry_id: int,
    minutes: float,
    day: int = 10,
    *,
    urgent: bool = False,
    warranty: bool = False,
    task_id: int = 1,
    title: str = "Настроить воронку",
    month: int = 3,
    unapproved: int = 0,
) -> BillableEntry:
    return BillableEntry(
        entry_id=entry_id,
        task_id=task_id,
        task_title=title,
        integrator_id=7,
        integrator_name="Пётр",
        at=datetime(2025, month, day, 10, entry_id % 60, tzinfo=MSK),
        raw_seconds=int(minutes * 60),
        urgent=urgent,
        warranty_rework=warranty,
        unapproved_minutes=unapproved,
    )


def bill(
    client: ClientCompany, entries: list[BillableEntry], unit: int = 15, **kw: object
) -> ClientBill:
    return bill_month(client, 2025, 3, entries, DEFAULT_PACKAGES, RATES, unit, **kw)  # type: ignore[arg-type]


def check_invariants(result: ClientBill, entries: list[BillableEntry], unit: int) -> None:
    lines = result.lines

    def minutes(kind: LineKind) -> int:
        return sum(line.billed_minutes for line in lines if line.kind is kind)

    assert minutes(LineKind.PACKAGE) == result.package_used_minutes
    assert minutes(LineKind.REGULAR) == result.overflow_regular_minutes
    assert minutes(LineKind.URGENT) == result.overflow_urgent_minutes
    assert minutes(LineKind.WARRANTY) == result.warranty_minutes
    assert minutes(LineKind.UNAPPROVED) == result.unapproved_minutes
    assert sum(line.amount_kopecks for line in lines) == (
        result.regular_amount_kopecks + result.urgent_amount_kopecks
    )
    assert result.regular_amount_kopecks == amount_kopecks(
        result.overflow_regular_minutes, RATES.regular_kopecks
    )
    assert result.urgent_amount_kopecks == amount_kopecks(
        result.overflow_urgent_minutes, RATES.urgent_kopecks
    )
    assert result.total_kopecks == (
        result.package_price_kopecks
        + result.regular_amount_kopecks
        + result.urgent_amount_kopecks
        + result.chat_amount_kopecks
    )
    assert result.remaining_minutes == result.included_minutes - result.package_used_minutes
    assert 0 <= result.package_used_minutes <= result.included_minutes
    assert result.included_minutes == sum(p.included_minutes for p in result.parts)
    assert result.package_used_minutes == sum(p.used_minutes for p in result.parts)
    per_entry: dict[int, list[InvoiceLine]] = defaultdict(list)
    for line in lines:
        per_entry[line.entry.entry_id].append(line)
    assert set(per_entry) == {e.entry_id for e in entries}
    for e in entries:
        parts = per_entry[e.entry_id]
        assert sum(p.billed_minutes for p in parts) == billed_minutes(e.raw_seconds, unit)
        assert [p.continued for p in parts] == [False] + [True] * (len(parts) - 1)
    for line in lines:
        if line.kind in {LineKind.PACKAGE, LineKind.WARRANTY, LineKind.UNAPPROVED}:
            assert (line.rate_kopecks, line.amount_kopecks) == (0, 0)


ROUND_ROWS = [
    pytest.param(0, 15, id="0s-one-unit"),
    pytest.param(60, 15, id="1-minute-billed-as-15"),
    pytest.param(61, 15, id="61s"),
    pytest.param(14 * 60, 15, id="14m"),
    pytest.param(15 * 60, 15, id="15m"),
    pytest.param(15 * 60 + 1, 30, id="15m-1s"),
    pytest.param(59 * 60, 60, id="59m"),
    pytest.param(60 * 60, 60, id="60m"),
    pytest.param(61 * 60, 75, id="61m"),
]


@pytest.mark.parametrize(("seconds", "expected"), ROUND_ROWS)
def test_billed_minutes_rounds_up_to_the_unit(seconds: int, expected: int) -> None:
    assert billed_minutes(seconds, 15) == expected


@pytest.mark.parametrize(("seconds", "unit"), [(-1, 15), (60, 0)])
def test_billed_minutes_rejects_nonsense(seconds: int, unit: int) -> None:
    with pytest.raises(ValueError, match="bad time entry"):
        billed_minutes(seconds, unit)


def test_within_the_package() -> None:
    entries = [entry(1, 60), entry(2, 50), entry(3, 1)]
    result = bill(STANDARD, entries)
    check_invariants(result, entries, 15)
    assert result.package is PackageKind.STANDARD
    assert [(line.kind, line.billed_minutes) for line in result.lines] == [
        (LineKind.PACKAGE, 60),
        (LineKind.PACKAGE, 60),
        (LineKind.PACKAGE, 15),
    ]
    assert (result.included_minutes, result.package_used_minutes) == (600, 135)
    assert (result.remaining_minutes, result.package_used_percent) == (465, 22)
    assert (result.regular_amount_kopecks, result.total_kopecks) == (0, 4_000_000)


def test_entry_crossing_the_package_is_split() -> None:
    entries = [entry(2, 120, day=12), entry(1, 540, day=11)]
    result = bill(STANDARD, entries)
    check_invariants(result, entries, 15)
    assert [
        (line.entry.entry_id, line.kind, line.billed_minutes, line.continued)
        for line in result.lines
    ] == [
        (1, LineKind.PACKAGE, 540, False),
        (2, LineKind.PACKAGE, 60, False),
        (2, LineKind.REGULAR, 60, True),
    ]
    assert result.lines[2].amount_kopecks == 350_000
    assert (result.remaining_minutes, result.package_used_percent) == (0, 100)
    assert result.total_kopecks == 4_000_000 + 350_000


def test_urgent_overflow_at_the_urgent_rate() -> None:
    entries = [entry(1, 600), entry(2, 30, day=11, urgent=True), entry(3, 45, day=12)]
    result = bill(STANDARD, entries)
    check_invariants(result, entries, 15)
    assert (result.overflow_urgent_minutes, result.urgent_amount_kopecks) == (30, 225_000)
    assert (result.overflow_regular_minutes, result.regular_amount_kopecks) == (45, 262_500)
    assert result.lines[1].rate_kopecks == 450_000
    assert result.total_kopecks == 4_000_000 + 225_000 + 262_500


def test_urgent_work_uses_package_hours_first() -> None:
    entries = [entry(1, 60, urgent=True)]
    result = bill(ADVANCED, entries)
    check_invariants(result, entries, 15)
    assert result.lines[0].kind is LineKind.PACKAGE
    assert (result.urgent_amount_kopecks, result.total_kopecks) == (0, 7_000_000)


def test_no_contract_client_pays_from_the_first_minute() -> None:
    entries = [entry(1, 90), entry(2, 10, day=11, urgent=True)]
    result = bill(NO_CONTRACT, entries)
    check_invariants(result, entries, 15)
    assert result.package is PackageKind.NONE
    assert (result.included_minutes, result.package_used_percent) == (0, 0)
    assert (result.regular_amount_kopecks, result.urgent_amount_kopecks) == (525_000, 112_500)
    assert result.total_kopecks == 637_500


def test_warranty_rework_is_listed_but_not_billed() -> None:
    entries = [entry(1, 600), entry(2, 100, day=11, warranty=True), entry(3, 15, day=12)]
    result = bill(STANDARD, entries)
    check_invariants(result, entries, 15)
    assert [line.kind for line in result.lines] == [
        LineKind.PACKAGE,
        LineKind.WARRANTY,
        LineKind.REGULAR,
    ]
    assert (result.warranty_minutes, result.lines[1].amount_kopecks) == (105, 0)
    assert result.total_kopecks == 4_000_000 + 87_500


def test_issue_unapproved_overrun_is_its_own_line_and_not_in_the_total() -> None:
    """Issue 13, demo task #4: 4 h approved, 4 h 30 logged, the new estimate never approved."""
    entries = [entry(1, 345), entry(2, 270, day=19, urgent=True, task_id=4, unapproved=30)]
    result = bill(STANDARD, entries)
    check_invariants(result, entries, 15)
    assert [(line.entry.entry_id, line.kind, line.billed_minutes) for line in result.lines] == [
        (1, LineKind.PACKAGE, 345),
        (2, LineKind.PACKAGE, 240),
        (2, LineKind.UNAPPROVED, 30),
    ]
    assert result.unapproved_minutes == 30
    assert (result.overflow_urgent_minutes, result.total_kopecks) == (0, 4_000_000)


def test_unapproved_tail_after_overflow() -> None:
    entries = [entry(1, 600), entry(2, 60, day=11, unapproved=15)]
    result = bill(STANDARD, entries)
    check_invariants(result, entries, 15)
    assert [(line.kind, line.billed_minutes, line.continued) for line in result.lines[1:]] == [
        (LineKind.REGULAR, 45, False),
        (LineKind.UNAPPROVED, 15, True),
    ]
    assert result.total_kopecks == 4_000_000 + 262_500


def test_an_entry_all_past_the_estimate() -> None:
    entries = [entry(1, 30, unapproved=30)]
    result = bill(STANDARD, entries)
    check_invariants(result, entries, 15)
    assert [(line.kind, line.continued) for line in result.lines] == [(LineKind.UNAPPROVED, False)]


URGENT = [
    pytest.param(2, (), True, id="high-priority"),
    pytest.param(1, (), False, id="normal"),
    pytest.param(1, ("Срочно",), True, id="tag-any-case"),
    pytest.param(1, ("срочно-нет",), False, id="other-tag"),
]


@pytest.mark.parametrize(("priority", "tags", "expected"), URGENT)
def test_is_urgent(priority: int, tags: tuple[str, ...], expected: bool) -> None:
    assert is_urgent(priority, tags, RegulationConfig()) is expected


def test_declined_task_estimation_time_is_billed() -> None:
    entries = [entry(1, 20, task_id=9, title="Интеграция с 1С (клиент отказался)")]
    result = bill(NO_CONTRACT, entries, overruns=())
    check_invariants(result, entries, 15)
    assert (result.lines[0].billed_minutes, result.total_kopecks) == (30, 175_000)


def test_kopeck_exact_amounts_with_odd_minutes() -> None:
    entries = [entry(1, 7), entry(2, 7, day=11), entry(3, 7, day=12)]
    result = bill(NO_CONTRACT, entries, unit=1)
    check_invariants(result, entries, 1)
    # 7 min at 3 500 ₽/h = 408.333… ₽: cumulative half-up gives 408.33 + 408.34 + 408.33.
    assert [line.amount_kopecks for line in result.lines] == [40_833, 40_834, 40_833]
    assert result.regular_amount_kopecks == 122_500


def test_chat_option_is_its_own_amount() -> None:
    client = ClientCompany("ООО Чат", contracts=STANDARD.contracts, chat=CHAT)
    result = bill(client, [])
    check_invariants(result, [], 15)
    assert (result.chat_amount_kopecks, result.total_kopecks) == (500_000, 4_500_000)
    assert result.lines == ()


CHAT_ROWS = [
    pytest.param(ChatOption(), 0, id="off"),
    pytest.param(
        ChatOption(enabled=True, users=10, price_tiers=CHAT.price_tiers), 300_000, id="10"
    ),
    pytest.param(
        ChatOption(enabled=True, users=11, price_tiers=CHAT.price_tiers), 500_000, id="11"
    ),
]


@pytest.mark.parametrize(("chat", "expected"), CHAT_ROWS)
def test_chat_price_tiers(chat: ChatOption, expected: int) -> None:
    assert chat_price_kopecks(chat) == expected


def test_chat_without_a_fitting_tier_is_a_config_error() -> None:
    with pytest.raises(ValueError, match="no chat price tier for 51 users"):
        chat_price_kopecks(ChatOption(enabled=True, users=51, price_tiers=CHAT.price_tiers))


def test_contract_started_mid_month() -> None:
    client = ClientCompany(
        "ООО Новый", contracts=(ContractPeriod(PackageKind.STANDARD, date(2025, 3, 16)),)
    )
    entries = [entry(1, 60, day=10), entry(2, 60, day=20), entry(3, 300, day=21)]
    result = bill(client, entries)
    check_invariants(result, entries, 15)
    # 16 of 31 days: ceil(600 × 16 / 31) = 310 min, 40 000 ₽ × 16 // 31 = 20 645.16 ₽.
    assert [(p.package, p.first_day, p.last_day) for p in result.parts] == [
        (PackageKind.NONE, date(2025, 3, 1), date(2025, 3, 15)),
        (PackageKind.STANDARD, date(2025, 3, 16), date(2025, 3, 31)),
    ]
    assert (result.included_minutes, result.package_price_kopecks) == (310, 2_064_516)
    assert [(line.kind, line.billed_minutes) for line in result.lines] == [
        (LineKind.REGULAR, 60),
        (LineKind.PACKAGE, 60),
        (LineKind.PACKAGE, 250),
        (LineKind.REGULAR, 50),
    ]
    assert result.package is PackageKind.STANDARD
    assert result.regular_amount_kopecks == amount_kopecks(110, 350_000)


def test_upgrade_mid_month_keeps_separate_hours() -> None:
    client = ClientCompany(
        "ООО Рост",
        contracts=(
            ContractPeriod(PackageKind.STANDARD, date(2024, 6, 1)),
            ContractPeriod(PackageKind.ADVANCED, date(2025, 3, 11)),
        ),
    )
    entries = [entry(1, 300, day=3), entry(2, 60, day=11)]
    result = bill(client, entries)
    check_invariants(result, entries, 15)
    # Standard 10 days: ceil(6000/31) = 194 min; Advanced 21 days: ceil(25200/31) = 813 min.
    assert [(p.included_minutes, p.used_minutes) for p in result.parts] == [(194, 194), (813, 60)]
    assert [line.kind for line in result.lines] == [
        LineKind.PACKAGE,
        LineKind.REGULAR,
        LineKind.PACKAGE,
    ]
    assert result.package_price_kopecks == 4_000_000 * 10 // 31 + 7_000_000 * 21 // 31


PARTS_ROWS = [
    pytest.param(
        (ContractPeriod(PackageKind.STANDARD, date(2025, 3, 1)),), 1, 600, id="starts-on-the-1st"
    ),
    pytest.param(
        (
            ContractPeriod(PackageKind.STANDARD, date(2025, 1, 1)),
            ContractPeriod(PackageKind.STANDARD, date(2025, 3, 15)),
        ),
        1,
        600,
        id="renewal-same-package-not-cut",
    ),
    pytest.param(
        (ContractPeriod(PackageKind.STANDARD, date(2025, 4, 1)),), 1, 0, id="starts-next-month"
    ),
    pytest.param(
        (
            ContractPeriod(PackageKind.ADVANCED, date(2025, 1, 1)),
            ContractPeriod(PackageKind.NONE, date(2025, 3, 31)),
        ),
        2,
        1162,
        id="ends-on-the-last-day",
    ),
]


@pytest.mark.parametrize(("contracts", "count", "included"), PARTS_ROWS)
def test_contract_parts(contracts: tuple[ContractPeriod, ...], count: int, included: int) -> None:
    parts = contract_parts(ClientCompany("X", contracts=contracts), 2025, 3, DEFAULT_PACKAGES)
    assert len(parts) == count
    assert sum(p.included_minutes for p in parts) == included
    assert (parts[0].first_day, parts[-1].last_day) == (date(2025, 3, 1), date(2025, 3, 31))


def test_overruns_are_carried_to_the_bill() -> None:
    overrun = TaskOverrun(5, "Отчёт по сделкам", approved_minutes=120, billed_minutes=180)
    result = bill(STANDARD, [entry(1, 180, task_id=5)], overruns=[overrun])
    assert result.overruns == (overrun,)
    assert (result.client, result.month) == ("ООО Ромашка", (2025, 3))


BAD_ENTRY_ROWS = [
    pytest.param(entry(1, 10, month=4), "not in the month", id="other-month"),
    pytest.param(
        BillableEntry(1, 1, "t", 7, "П", datetime(2025, 3, 1), 60, False, False),  # noqa: DTZ001
        "naive",
        id="naive",
    ),
    pytest.param(entry(1, -1), "bad time entry", id="negative-seconds"),
]


@pytest.mark.parametrize(("bad", "message"), BAD_ENTRY_ROWS)
def test_bad_entries_fail_loudly(bad: BillableEntry, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        bill(STANDARD, [bad])


THRESHOLD_ROWS = [
    pytest.param(0, 480, 600, (80,), id="reach-80"),
    pytest.param(470, 600, 600, (80, 100), id="both-at-once"),
    pytest.param(480, 500, 600, (), id="80-already-reached"),
    pytest.param(500, 700, 600, (100,), id="past-100"),
    pytest.param(0, 100, 600, (), id="none"),
    pytest.param(0, 700, 0, (), id="no-package"),
    pytest.param(300, 200, 600, (), id="usage-went-down"),
]


@pytest.mark.parametrize(("before", "after", "included", "expected"), THRESHOLD_ROWS)
def test_package_usage_thresholds_crossed(
    before: int, after: int, included: int, expected: tuple[int, ...]
) -> None:
    assert package_usage_thresholds_crossed(before, after, included) == expected


def test_thresholds_are_configurable_and_sorted() -> None:
    assert package_usage_thresholds_crossed(0, 600, 600, (100, 50)) == (50, 100)


ENTRY_STRATEGY = st.lists(
    st.tuples(
        st.integers(0, 4 * 3600),
        st.integers(1, 31),
        st.booleans(),
        st.booleans(),
    ),
    max_size=25,
)


@settings(database=None, max_examples=200)
@given(
    raw=ENTRY_STRATEGY,
    unit=st.sampled_from([1, 5, 15, 30]),
    client=st.sampled_from([STANDARD, ADVANCED, NO_CONTRACT]),
)
def test_invariants_hold_for_any_month(
    raw: list[tuple[int, int, bool, bool]], unit: int, client: ClientCompany
) -> None:
    entries = [
        BillableEntry(i, i % 4, "t", 7, "П", datetime(2025, 3, d, 12, tzinfo=MSK), s, u, w)
        for i, (s, d, u, w) in enumerate(raw)
    ]
    check_invariants(bill(client, entries, unit=unit), entries, unit)
