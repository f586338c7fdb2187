"""Notice timing rules: deemed service, service outcome, due dates, status.

Expected instants worked out by hand. Guatemala = UTC-6, so "23:59:59.999 local
on day D" is 05:59:59.999 UTC on D+1, and "HH:MM local" is HH+6 UTC.
"""
from datetime import date, datetime, timedelta, timezone

import pytest

from services.runtime.court_calendar import CourtCalendar, RuleError
from services.mailbox.domain import (
    ALL_COURTS,
    DUE_SOON_BUSINESS_DAYS,
    FIRST_CLOSURE_YEAR,
    NoticeTiming,
    already_non_business,
    business_days_until,
    closure_in_range,
    closure_years,
    due_soon,
    due_soon_window,
    check_chronology,
    deemed_service_at,
    due_at,
    due_date,
    evaluate_notice,
    is_due_within,
    local_today,
    notification_status,
    service_outcome,
)

UTC = timezone.utc
CIVIL = "JUZ-CIV-1-GUA"
PENAL = "JUZ-PEN-2-QUE"


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def end_of(y, m, d):
    """23:59:59.999 Guatemala time of local day y-m-d, as UTC (hand rule: next day 05:59:59.999Z)."""
    return datetime(y, m, d, 5, 59, 59, 999000, tzinfo=UTC) + timedelta(days=1)


@pytest.fixture
def cal():
    return CourtCalendar()


# --------------------------------------------------------------------------
# deemed_service_at
# --------------------------------------------------------------------------

DEEMED_CASES = [
    # (description, available_at UTC, expected deemed instant UTC)
    ("Fri 07-03-2025 22:00 local -> Mon, Tue, Wed", utc(2025, 3, 8, 4, 0), end_of(2025, 3, 12)),
    ("Thu 06-03-2025 23:59 local -> Fri, Mon, Tue", utc(2025, 3, 7, 5, 59), end_of(2025, 3, 11)),
    ("Fri 07-03-2025 00:01 local -> Mon, Tue, Wed", utc(2025, 3, 7, 6, 1), end_of(2025, 3, 12)),
    ("Sat 08-03-2025 10:00 local -> Mon, Tue, Wed", utc(2025, 3, 8, 16, 0), end_of(2025, 3, 12)),
    ("Sun 09-03-2025 23:59 local -> Mon, Tue, Wed", utc(2025, 3, 10, 5, 59), end_of(2025, 3, 12)),
    ("Mon 10-03-2025 00:00 local -> Tue, Wed, Thu", utc(2025, 3, 10, 6, 0), end_of(2025, 3, 13)),
    # Holy Week 2024 (Easter 31 March)
    ("Tue 26-03-2024 10:00 -> Wed 27, Mon 1, Tue 2", utc(2024, 3, 26, 16, 0), end_of(2024, 4, 2)),
    ("Holy Wed 27-03-2024 19:00 -> Mon 1, Tue 2, Wed 3", utc(2024, 3, 28, 1, 0), end_of(2024, 4, 3)),
    # Holy Week 2025 (Easter 20 April)
    ("Holy Wed 16-04-2025 20:00 -> Mon 21, Tue 22, Wed 23", utc(2025, 4, 17, 2, 0), end_of(2025, 4, 23)),
    ("Holy Fri 18-04-2025 11:00 -> Mon 21, Tue 22, Wed 23", utc(2025, 4, 18, 17, 0), end_of(2025, 4, 23)),
    # Holy Week 2026 (Easter 5 April)
    ("Holy Thu 02-04-2026 09:00 -> Mon 6, Tue 7, Wed 8", utc(2026, 4, 2, 15, 0), end_of(2026, 4, 8)),
    ("Holy Wed 01-04-2026 21:30 -> Mon 6, Tue 7, Wed 8", utc(2026, 4, 2, 3, 30), end_of(2026, 4, 8)),
    # Holy Week 2027 (Easter 28 March)
    ("Holy Wed 24-03-2027 23:30 -> Mon 29, Tue 30, Wed 31", utc(2027, 3, 25, 5, 30), end_of(2027, 3, 31)),
    ("Mon 22-03-2027 12:00 -> Tue 23, Wed 24, Mon 29", utc(2027, 3, 22, 18, 0), end_of(2027, 3, 29)),
    # Holy Week 2028 (Easter 16 April)
    ("Tue 11-04-2028 15:00 -> Wed 12, Mon 17, Tue 18", utc(2028, 4, 11, 21, 0), end_of(2028, 4, 18)),
    # Year end
    ("Tue 23-12-2025 18:00 -> Wed 24, Fri 26, Mon 29", utc(2025, 12, 24, 0, 0), end_of(2025, 12, 29)),
    ("Mon 29-12-2025 09:00 -> Tue 30, Wed 31, Fri 2", utc(2025, 12, 29, 15, 0), end_of(2026, 1, 2)),
    ("Wed 31-12-2025 23:00 (UTC already 1 Jan) -> Fri 2, Mon 5, Tue 6", utc(2026, 1, 1, 5, 0), end_of(2026, 1, 6)),
    ("Thu 01-01-2026 10:00 holiday -> Fri 2, Mon 5, Tue 6", utc(2026, 1, 1, 16, 0), end_of(2026, 1, 6)),
    ("Fri 20-12-2024 16:00 -> Mon 23, Tue 24, Thu 26", utc(2024, 12, 20, 22, 0), end_of(2024, 12, 26)),
    # 30 June
    ("Fri 27-06-2025 12:00 -> (Mon 30 hol) Tue 1, Wed 2, Thu 3", utc(2025, 6, 27, 18, 0), end_of(2025, 7, 3)),
    ("Fri 26-06-2026 12:00 -> (Mon 29 hol) Tue 30, Wed 1, Thu 2", utc(2026, 6, 26, 18, 0), end_of(2026, 7, 2)),
    # 15 September, 20 October, 1 November
    ("Fri 12-09-2025 12:00 -> (Mon 15 hol) Tue, Wed, Thu", utc(2025, 9, 12, 18, 0), end_of(2025, 9, 18)),
    ("Fri 17-10-2025 12:00 -> (Mon 20 hol) Tue, Wed, Thu", utc(2025, 10, 17, 18, 0), end_of(2025, 10, 23)),
    ("Wed 30-10-2024 12:00 -> Thu 31, (Fri 1 hol) Mon 4, Tue 5", utc(2024, 10, 30, 18, 0), end_of(2024, 11, 5)),
]


@pytest.mark.parametrize("description, available_at, expected", DEEMED_CASES, ids=[c[0] for c in DEEMED_CASES])
def test_deemed_service_at(cal, description, available_at, expected):
    result = deemed_service_at(available_at, cal, CIVIL)
    assert result == expected
    assert result.utcoffset() == timedelta(0)


def test_end_of_helper_is_what_the_rule_says():
    # 23:59:59.999 at UTC-6 on 12 March is 05:59:59.999Z on 13 March.
    assert end_of(2025, 3, 12) == datetime(2025, 3, 13, 5, 59, 59, 999000, tzinfo=UTC)
    assert end_of(2025, 12, 31) == datetime(2026, 1, 1, 5, 59, 59, 999000, tzinfo=UTC)


def test_2359_vs_0001_local_on_the_same_utc_date(cal):
    # Both instants are on 7 March in UTC, but on different local days.
    at_2359_thursday = utc(2025, 3, 7, 5, 59)
    at_0001_friday = utc(2025, 3, 7, 6, 1)
    assert deemed_service_at(at_2359_thursday, cal, CIVIL) == utc(2025, 3, 12, 5, 59, 59, 999000)
    assert deemed_service_at(at_0001_friday, cal, CIVIL) == utc(2025, 3, 13, 5, 59, 59, 999000)


@pytest.mark.parametrize(
    "days, expected",
    [(1, end_of(2025, 3, 10)), (2, end_of(2025, 3, 11)), (5, end_of(2025, 3, 14)), (10, end_of(2025, 3, 21))],
)
def test_deemed_service_other_day_counts(cal, days, expected):
    assert deemed_service_at(utc(2025, 3, 8, 4, 0), cal, CIVIL, days=days) == expected


def test_deemed_service_with_court_closure():
    cal = CourtCalendar(closures=[{"date": date(2025, 3, 12), "court_id": CIVIL}])
    available = utc(2025, 3, 8, 4, 0)  # Fri 22:00 local
    assert deemed_service_at(available, cal, CIVIL) == utc(2025, 3, 14, 5, 59, 59, 999000)  # Thu 13
    assert deemed_service_at(available, cal, PENAL) == utc(2025, 3, 13, 5, 59, 59, 999000)  # Wed 12


def test_deemed_service_with_closure_of_all_courts():
    cal = CourtCalendar(closures=[{"date": date(2025, 3, 10), "court_id": None}])
    available = utc(2025, 3, 8, 4, 0)
    assert deemed_service_at(available, cal, CIVIL) == utc(2025, 3, 14, 5, 59, 59, 999000)
    assert deemed_service_at(available, cal, PENAL) == utc(2025, 3, 14, 5, 59, 59, 999000)


@pytest.mark.parametrize("days", [0, -3, 3.0, True, None])
def test_deemed_service_rejects_bad_days(cal, days):
    with pytest.raises(ValueError):
        deemed_service_at(utc(2025, 3, 8, 4, 0), cal, CIVIL, days=days)


def test_deemed_service_rejects_naive(cal):
    with pytest.raises(RuleError) as exc:
        deemed_service_at(datetime(2025, 3, 8, 4, 0), cal, CIVIL)
    assert exc.value.field == "available_at"
    assert exc.value.code == "naive_datetime"


def test_non_utc_aware_input_is_the_same_instant(cal):
    local = timezone(timedelta(hours=-6))
    assert deemed_service_at(datetime(2025, 3, 7, 22, 0, tzinfo=local), cal, CIVIL) == end_of(2025, 3, 12)


# --------------------------------------------------------------------------
# service_outcome
# --------------------------------------------------------------------------

AVAILABLE = utc(2025, 3, 8, 4, 0)  # Friday 7 March 2025, 22:00 local
DEEMED = utc(2025, 3, 13, 5, 59, 59, 999000)  # end of Wednesday 12 March local

OUTCOME_CASES = [
    # (description, accessed_at, now, expected)
    ("not accessed, before deemed", None, utc(2025, 3, 10, 16, 0), None),
    ("not accessed, 1 ms before deemed", None, utc(2025, 3, 13, 5, 59, 59, 998000), None),
    ("not accessed, exactly deemed", None, DEEMED, (DEEMED, "lapse")),
    ("not accessed, long after", None, utc(2025, 4, 1, 0, 0), (DEEMED, "lapse")),
    ("accessed Mon 09:15 local", utc(2025, 3, 10, 15, 15), utc(2025, 3, 10, 16, 0),
     (utc(2025, 3, 10, 15, 15), "access")),
    ("accessed right when made available", AVAILABLE, AVAILABLE, (AVAILABLE, "access")),
    ("accessed Sat 09:00 local (non-business day)", utc(2025, 3, 8, 15, 0), utc(2025, 3, 20, 0, 0),
     (utc(2025, 3, 8, 15, 0), "access")),
    ("accessed at the last millisecond", DEEMED, DEEMED, (DEEMED, "access")),
    ("accessed Thu 00:00 local, after deemed", utc(2025, 3, 13, 6, 0), utc(2025, 3, 13, 6, 0),
     (DEEMED, "lapse")),
    ("accessed a week later", utc(2025, 3, 20, 15, 0), utc(2025, 3, 25, 0, 0), (DEEMED, "lapse")),
]


@pytest.mark.parametrize("description, accessed_at, now, expected", OUTCOME_CASES, ids=[c[0] for c in OUTCOME_CASES])
def test_service_outcome(cal, description, accessed_at, now, expected):
    assert service_outcome(AVAILABLE, accessed_at, now, cal, CIVIL) == expected


def test_service_outcome_holy_week(cal):
    available = utc(2025, 4, 17, 2, 0)  # Holy Wednesday 16-04-2025, 20:00 local
    deemed = utc(2025, 4, 24, 5, 59, 59, 999000)  # end of Wednesday 23 April
    assert service_outcome(available, None, utc(2025, 4, 23, 12, 0), cal, CIVIL) is None
    assert service_outcome(available, None, utc(2025, 4, 24, 6, 0), cal, CIVIL) == (deemed, "lapse")
    accessed = utc(2025, 4, 19, 18, 30)  # Holy Saturday, 12:30 local
    assert service_outcome(available, accessed, utc(2025, 4, 19, 19, 0), cal, CIVIL) == (accessed, "access")


def test_access_before_availability_is_rejected(cal):
    with pytest.raises(RuleError) as exc:
        service_outcome(AVAILABLE, utc(2025, 3, 8, 3, 59), utc(2025, 3, 9), cal, CIVIL)
    assert exc.value.field == "accessed_at"


@pytest.mark.parametrize(
    "available, accessed, now, field",
    [
        (datetime(2025, 3, 8, 4, 0), None, utc(2025, 3, 9), "available_at"),
        (AVAILABLE, datetime(2025, 3, 10, 15, 15), utc(2025, 3, 11), "accessed_at"),
        (AVAILABLE, None, datetime(2025, 3, 11), "now"),
        (AVAILABLE, None, "2025-03-11T00:00:00Z", "now"),
    ],
)
def test_service_outcome_rejects_naive(cal, available, accessed, now, field):
    with pytest.raises(ValueError) as exc:
        service_outcome(available, accessed, now, cal, CIVIL)
    assert exc.value.field == field


# --------------------------------------------------------------------------
# due_date / due_at
# --------------------------------------------------------------------------

DUE_CASES = [
    # (description, served_at, term_days, expected due date)
    ("lapse end of Wed 12-03-2025, 3 days -> Thu, Fri, Mon", DEEMED, 3, date(2025, 3, 17)),
    ("access Mon 10-03-2025 09:15, 5 days", utc(2025, 3, 10, 15, 15), 5, date(2025, 3, 17)),
    ("access Mon 10-03-2025, 1 day", utc(2025, 3, 10, 15, 15), 1, date(2025, 3, 11)),
    ("Mon 14-04-2025 (Holy Week), 5 days -> Tue, Wed, Mon, Tue, Wed", utc(2025, 4, 14, 16, 0), 5, date(2025, 4, 23)),
    ("Tue 23-03-2027 (Holy Week), 3 days -> Wed 24, Mon 29, Tue 30", utc(2027, 3, 23, 16, 0), 3, date(2027, 3, 30)),
    ("Mon 22-12-2025, 10 days across Christmas and New Year", utc(2025, 12, 22, 16, 0), 10, date(2026, 1, 7)),
    ("served on a Saturday, 1 day -> Monday", utc(2025, 3, 8, 16, 0), 1, date(2025, 3, 10)),
    ("Thu 13-03-2025 21:00 local (Fri in UTC), 1 day -> Fri 14", utc(2025, 3, 14, 3, 0), 1, date(2025, 3, 14)),
    ("Fri 26-06-2026, 3 days -> (Mon 29 hol) Tue 30, Wed 1, Thu 2", utc(2026, 6, 26, 16, 0), 3, date(2026, 7, 2)),
    ("Wed 30-10-2024, 2 days -> Thu 31, (Fri 1 hol) Mon 4", utc(2024, 10, 30, 16, 0), 2, date(2024, 11, 4)),
    ("Mon 14-09-2026, 3 days -> (Tue 15 hol) Wed, Thu, Fri", utc(2026, 9, 14, 16, 0), 3, date(2026, 9, 18)),
    ("Fri 16-10-2026, 2 days -> Mon 19, (Tue 20 hol) Wed 21", utc(2026, 10, 16, 16, 0), 2, date(2026, 10, 21)),
]


@pytest.mark.parametrize("description, served_at, term_days, expected", DUE_CASES, ids=[c[0] for c in DUE_CASES])
def test_due_date(cal, description, served_at, term_days, expected):
    assert due_date(served_at, term_days, cal, CIVIL) == expected


def test_due_at_is_end_of_due_day(cal):
    assert due_at(DEEMED, 3, cal, CIVIL) == utc(2025, 3, 18, 5, 59, 59, 999000)
    assert due_at(utc(2025, 12, 22, 16, 0), 10, cal, CIVIL) == utc(2026, 1, 8, 5, 59, 59, 999000)


@pytest.mark.parametrize("term_days", [None, 0])
def test_no_term_no_due_date(cal, term_days):
    assert due_date(DEEMED, term_days, cal, CIVIL) is None
    assert due_at(DEEMED, term_days, cal, CIVIL) is None


def test_not_served_no_due_date(cal):
    assert due_date(None, 3, cal, CIVIL) is None


@pytest.mark.parametrize("term_days", [-1, "3", 2.5, True])
def test_bad_term_rejected(cal, term_days):
    with pytest.raises(RuleError) as exc:
        due_date(DEEMED, term_days, cal, CIVIL)
    assert exc.value.field == "term_days"


def test_due_date_with_closure():
    cal = CourtCalendar(closures=[{"date": date(2025, 3, 14), "court_id": CIVIL}])
    assert due_date(DEEMED, 3, cal, CIVIL) == date(2025, 3, 18)  # Thu 13, (Fri 14 closed) Mon 17, Tue 18
    assert due_date(DEEMED, 3, cal, PENAL) == date(2025, 3, 17)


def test_due_date_rejects_naive(cal):
    with pytest.raises(ValueError):
        due_date(datetime(2025, 3, 10, 15, 15), 3, cal, CIVIL)


# --------------------------------------------------------------------------
# notification_status / evaluate_notice
# --------------------------------------------------------------------------

ACCESSED = utc(2025, 3, 10, 15, 15)  # Monday 10 March, 09:15 local; term 3 -> due Thu 13

STATUS_CASES = [
    # (description, accessed_at, now, term_days, expected)
    ("not accessed, within the 3 days", None, utc(2025, 3, 10, 16, 0), 3, "unread"),
    ("not accessed, no term, within the 3 days", None, utc(2025, 3, 12, 16, 0), None, "unread"),
    ("accessed, term running", ACCESSED, utc(2025, 3, 10, 16, 0), 3, "pending"),
    ("accessed, due day Thu 13 at 23:00 local", ACCESSED, utc(2025, 3, 14, 5, 0), 3, "pending"),
    ("accessed, Fri 14 00:30 local: term over", ACCESSED, utc(2025, 3, 14, 6, 30), 3, "served"),
    ("accessed, no term", ACCESSED, utc(2025, 3, 10, 16, 0), None, "served"),
    ("accessed, term 0", ACCESSED, utc(2025, 3, 10, 16, 0), 0, "served"),
    ("lapse, Thu 13 08:00 local, due Mon 17", None, utc(2025, 3, 13, 14, 0), 3, "pending"),
    ("lapse, Mon 17 23:59 local", None, utc(2025, 3, 18, 5, 59), 3, "pending"),
    ("lapse, Tue 18 00:00 local", None, utc(2025, 3, 18, 6, 0), 3, "served"),
    ("accessed after lapse, term still running", utc(2025, 3, 14, 15, 0), utc(2025, 3, 14, 16, 0), 3, "pending"),
]


@pytest.mark.parametrize(
    "description, accessed_at, now, term_days, expected", STATUS_CASES, ids=[c[0] for c in STATUS_CASES]
)
def test_notification_status(cal, description, accessed_at, now, term_days, expected):
    assert notification_status(AVAILABLE, accessed_at, now, cal, CIVIL, term_days) == expected


def test_evaluate_notice_lapse(cal):
    assert evaluate_notice(AVAILABLE, None, utc(2025, 3, 13, 14, 0), cal, CIVIL, term_days=3) == NoticeTiming(
        deemed_service_at=utc(2025, 3, 13, 5, 59, 59, 999000),
        served_at=utc(2025, 3, 13, 5, 59, 59, 999000),
        served_by="lapse",
        due_date=date(2025, 3, 17),
        due_at=utc(2025, 3, 18, 5, 59, 59, 999000),
        status="pending",
    )


def test_evaluate_notice_access(cal):
    assert evaluate_notice(AVAILABLE, ACCESSED, utc(2025, 3, 11, 0, 0), cal, CIVIL, term_days=5) == NoticeTiming(
        deemed_service_at=utc(2025, 3, 13, 5, 59, 59, 999000),
        served_at=utc(2025, 3, 10, 15, 15),
        served_by="access",
        due_date=date(2025, 3, 17),
        due_at=utc(2025, 3, 18, 5, 59, 59, 999000),
        status="pending",
    )


def test_evaluate_notice_unread(cal):
    assert evaluate_notice(AVAILABLE, None, utc(2025, 3, 9, 0, 0), cal, CIVIL, term_days=5) == NoticeTiming(
        deemed_service_at=utc(2025, 3, 13, 5, 59, 59, 999000),
        served_at=None,
        served_by=None,
        due_date=None,
        due_at=None,
        status="unread",
    )


def test_evaluate_notice_rejects_bad_term_even_when_unread(cal):
    with pytest.raises(RuleError):
        evaluate_notice(AVAILABLE, None, utc(2025, 3, 9), cal, CIVIL, term_days=-2)


# --------------------------------------------------------------------------
# business_days_until / is_due_within
# --------------------------------------------------------------------------

@pytest.mark.parametrize(
    "today, target, expected",
    [
        (date(2025, 3, 10), date(2025, 3, 13), 3),
        (date(2025, 3, 10), date(2025, 3, 10), 0),
        (date(2025, 3, 12), date(2025, 3, 17), 3),  # Thu, Fri, Mon
        (date(2025, 4, 16), date(2025, 4, 22), 2),  # Holy Week: Mon 21, Tue 22
        (date(2025, 12, 23), date(2025, 12, 29), 3),  # Wed 24, Fri 26, Mon 29
        (date(2025, 3, 13), date(2025, 3, 10), -3),  # overdue
    ],
)
def test_business_days_until(cal, today, target, expected):
    assert business_days_until(today, target, cal, CIVIL) == expected


@pytest.mark.parametrize(
    "due, today, n, expected",
    [
        (date(2025, 3, 13), date(2025, 3, 10), 3, True),
        (date(2025, 3, 13), date(2025, 3, 10), 2, False),
        (date(2025, 3, 10), date(2025, 3, 10), 0, True),  # due today
        (date(2025, 3, 7), date(2025, 3, 10), 3, False),  # overdue
        (date(2025, 4, 22), date(2025, 4, 16), 3, True),  # Holy Week: Mon 21, Tue 22 = 2
        (date(2025, 4, 23), date(2025, 4, 16), 3, True),  # Mon 21, Tue 22, Wed 23 = 3
        (date(2025, 4, 24), date(2025, 4, 16), 3, False),  # Mon 21 .. Thu 24 = 4
        (None, date(2025, 3, 10), 3, False),
    ],
)
def test_is_due_within(cal, due, today, n, expected):
    assert is_due_within(due, today, n, cal, CIVIL) is expected


def test_is_due_within_rejects_bad_n(cal):
    with pytest.raises(RuleError):
        is_due_within(date(2025, 3, 13), date(2025, 3, 10), -1, cal, CIVIL)


# --------------------------------------------------------------------------
# check_chronology
# --------------------------------------------------------------------------

def test_chronology_ok():
    assert check_chronology(utc(2025, 3, 7, 20, 15), AVAILABLE, ACCESSED) is None
    assert check_chronology(AVAILABLE, AVAILABLE, AVAILABLE) is None


@pytest.mark.parametrize(
    "issued, available, accessed, field",
    [
        (utc(2025, 3, 8, 4, 1), AVAILABLE, None, "available_at"),
        (utc(2025, 3, 7, 20, 15), AVAILABLE, utc(2025, 3, 8, 3, 0), "accessed_at"),
        (datetime(2025, 3, 7, 20, 15), AVAILABLE, None, "issued_at"),
    ],
)
def test_chronology_errors(issued, available, accessed, field):
    with pytest.raises(RuleError) as exc:
        check_chronology(issued, available, accessed)
    assert exc.value.field == field


# --------------------------------------------------------------------------
# the summary's "due soon", the local day, closures
# --------------------------------------------------------------------------

def test_local_today_is_the_court_date():
    from zoneinfo import ZoneInfo

    gt = ZoneInfo("America/Guatemala")
    assert local_today(utc(2025, 3, 11, 5, 59), gt) == date(2025, 3, 10)  # 23:59 local
    assert local_today(utc(2025, 3, 11, 6, 0), gt) == date(2025, 3, 11)
    with pytest.raises(RuleError):
        local_today(datetime(2025, 3, 11, 6, 0), gt)


def test_due_soon_keeps_the_terms_ending_within_three_business_days(cal):
    today = date(2025, 3, 13)  # Thursday
    first, last = due_soon_window(today)
    assert (first, last) == (today, date(2025, 4, 27))
    notices = [{"_id": name, "due_date": due, "court_id": CIVIL} for name, due in [
        ("today", "2025-03-13"), ("fri", "2025-03-14"), ("tue", "2025-03-18"), ("wed", "2025-03-19"),
        ("yesterday", "2025-03-12")]]
    found = due_soon(notices, today, cal)
    assert [(doc["_id"], left) for doc, left in found] == [("today", 0), ("fri", 1), ("tue", 3)]
    assert DUE_SOON_BUSINESS_DAYS == 3
    assert [doc["_id"] for doc, _ in due_soon(notices, today, cal, business_days=0)] == ["today"]


def test_due_soon_counts_with_the_court_closures():
    closed = CourtCalendar(closures=[{"date": "2025-03-17", "court_id": CIVIL}])
    notices = [{"_id": "tue", "due_date": "2025-03-18", "court_id": CIVIL},
               {"_id": "penal", "due_date": "2025-03-18", "court_id": PENAL}]
    found = due_soon(notices, date(2025, 3, 13), closed)
    assert [(doc["_id"], left) for doc, left in found] == [("tue", 2), ("penal", 3)]


def test_closures_are_allowed_from_2000_to_five_years_ahead():
    today = date(2026, 7, 1)
    assert closure_years(today) == (FIRST_CLOSURE_YEAR, 2031) == (2000, 2031)
    assert closure_in_range(date(2000, 1, 1), today)
    assert closure_in_range(date(2031, 12, 31), today)
    assert not closure_in_range(date(1999, 12, 31), today)
    assert not closure_in_range(date(2032, 1, 1), today)


def test_a_closure_on_a_day_already_non_business_is_refused():
    tz = "America/Guatemala"
    assert already_non_business(date(2027, 3, 13), None, tz) == "Sábado"
    assert already_non_business(date(2027, 3, 14), "01001", tz) == "Domingo"
    assert already_non_business(date(2027, 9, 15), "01001", tz) == "Día de la Independencia"
    assert already_non_business(date(2027, 3, 15), "01001", tz) is None
    assert already_non_business(date(2027, 3, 15), None, tz) is None
    assert ALL_COURTS == "*"
