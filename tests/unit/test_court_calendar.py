"""Court calendar: holidays, business days, local/UTC day boundaries.

Every expected value below was worked out by hand from a printed calendar.
Guatemala is UTC-6 all year (no DST since 2006), so 23:59:59.999 local is
05:59:59.999 UTC of the next day.
"""
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from services.runtime.court_calendar import (
    EASTER_HOLIDAYS,
    FIXED_HOLIDAYS,
    Closure,
    CourtCalendar,
    RuleError,
    easter_sunday,
    half_day_holidays,
    national_holidays,
)

UTC = timezone.utc
CIVIL = "JUZ-CIV-1-GUA"
PENAL = "JUZ-PEN-2-QUE"


def utc(*args):
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def cal():
    return CourtCalendar()


# --------------------------------------------------------------------------
# Easter
# --------------------------------------------------------------------------

KNOWN_EASTERS = [
    (1818, date(1818, 3, 22)),  # earliest possible date
    (1886, date(1886, 4, 25)),  # latest possible date
    (1900, date(1900, 4, 15)),
    (1943, date(1943, 4, 25)),
    (1961, date(1961, 4, 2)),
    (1974, date(1974, 4, 14)),
    (1981, date(1981, 4, 19)),
    (1999, date(1999, 4, 4)),
    (2000, date(2000, 4, 23)),
    (2001, date(2001, 4, 15)),
    (2002, date(2002, 3, 31)),
    (2003, date(2003, 4, 20)),
    (2004, date(2004, 4, 11)),
    (2005, date(2005, 3, 27)),
    (2006, date(2006, 4, 16)),
    (2007, date(2007, 4, 8)),
    (2008, date(2008, 3, 23)),
    (2009, date(2009, 4, 12)),
    (2010, date(2010, 4, 4)),
    (2011, date(2011, 4, 24)),
    (2012, date(2012, 4, 8)),
    (2013, date(2013, 3, 31)),
    (2014, date(2014, 4, 20)),
    (2015, date(2015, 4, 5)),
    (2016, date(2016, 3, 27)),
    (2017, date(2017, 4, 16)),
    (2018, date(2018, 4, 1)),
    (2019, date(2019, 4, 21)),
    (2020, date(2020, 4, 12)),
    (2021, date(2021, 4, 4)),
    (2022, date(2022, 4, 17)),
    (2023, date(2023, 4, 9)),
    (2024, date(2024, 3, 31)),
    (2025, date(2025, 4, 20)),
    (2026, date(2026, 4, 5)),
    (2027, date(2027, 3, 28)),
    (2028, date(2028, 4, 16)),
    (2029, date(2029, 4, 1)),
    (2030, date(2030, 4, 21)),
    (2031, date(2031, 4, 13)),
    (2032, date(2032, 3, 28)),
    (2033, date(2033, 4, 17)),
    (2034, date(2034, 4, 9)),
    (2035, date(2035, 3, 25)),
    (2036, date(2036, 4, 13)),
    (2037, date(2037, 4, 5)),
    (2038, date(2038, 4, 25)),
    (2039, date(2039, 4, 10)),
    (2040, date(2040, 4, 1)),
    (2049, date(2049, 4, 18)),
    (2100, date(2100, 3, 28)),
    (2285, date(2285, 3, 22)),
]


@pytest.mark.parametrize("year, expected", KNOWN_EASTERS)
def test_easter_sunday_matches_known_dates(year, expected):
    assert easter_sunday(year) == expected
    assert easter_sunday(year).weekday() == 6


@pytest.mark.parametrize("year", [1582, 10000, "2025", 2025.0, True, None])
def test_easter_rejects_bad_years(year):
    with pytest.raises(ValueError):
        easter_sunday(year)


# --------------------------------------------------------------------------
# Holidays
# --------------------------------------------------------------------------

def test_holidays_2025_exact(cal):
    assert cal.holidays(2025) == {
        date(2025, 1, 1): "Año Nuevo",
        date(2025, 4, 17): "Jueves Santo",
        date(2025, 4, 18): "Viernes Santo",
        date(2025, 4, 19): "Sábado Santo",
        date(2025, 5, 1): "Día del Trabajo",
        date(2025, 6, 30): "Día del Ejército",  # a Monday: stays
        date(2025, 9, 15): "Día de la Independencia",
        date(2025, 10, 20): "Día de la Revolución",
        date(2025, 11, 1): "Día de Todos los Santos",
        date(2025, 12, 25): "Navidad",
    }


def test_holidays_keys_are_sorted(cal):
    keys = list(cal.holidays(2026))
    assert keys == sorted(keys)
    assert keys[0] == date(2026, 1, 1) and keys[-1] == date(2026, 12, 25)


@pytest.mark.parametrize(
    "year, thursday, friday, saturday",
    [
        (2024, date(2024, 3, 28), date(2024, 3, 29), date(2024, 3, 30)),
        (2025, date(2025, 4, 17), date(2025, 4, 18), date(2025, 4, 19)),
        (2026, date(2026, 4, 2), date(2026, 4, 3), date(2026, 4, 4)),
        (2027, date(2027, 3, 25), date(2027, 3, 26), date(2027, 3, 27)),
        (2028, date(2028, 4, 13), date(2028, 4, 14), date(2028, 4, 15)),
    ],
)
def test_holy_week_holidays(cal, year, thursday, friday, saturday):
    h = cal.holidays(year)
    assert h[thursday] == "Jueves Santo"
    assert h[friday] == "Viernes Santo"
    assert h[saturday] == "Sábado Santo"
    assert not cal.is_business_day(thursday, CIVIL)
    assert not cal.is_business_day(friday, CIVIL)
    assert not cal.is_business_day(saturday, CIVIL)


@pytest.mark.parametrize(
    "holy_wednesday, easter_monday",
    [
        (date(2024, 3, 27), date(2024, 4, 1)),
        (date(2025, 4, 16), date(2025, 4, 21)),
        (date(2026, 4, 1), date(2026, 4, 6)),
        (date(2027, 3, 24), date(2027, 3, 29)),
        (date(2028, 4, 12), date(2028, 4, 17)),
    ],
)
def test_holy_wednesday_and_easter_monday_are_business_days(cal, holy_wednesday, easter_monday):
    assert cal.is_business_day(holy_wednesday, CIVIL)
    assert cal.is_business_day(easter_monday, CIVIL)
    assert cal.next_business_day(holy_wednesday, CIVIL) == easter_monday


@pytest.mark.parametrize(
    "year, observed, nominal_is_business",
    [
        # Decreto 19-2018: Tue/Wed -> previous Monday; Thu..Sun -> next Monday.
        (2017, date(2017, 6, 30), False),  # Friday, before the decree: no move
        (2018, date(2018, 6, 30), False),  # Saturday, before 18-10-2018: no move
        (2019, date(2019, 7, 1), False),  # Sunday -> Monday 1 July (nominal is a Sunday)
        (2020, date(2020, 6, 29), True),  # Tuesday -> Monday 29 June
        (2022, date(2022, 7, 4), True),  # Thursday -> Monday 4 July
        (2023, date(2023, 7, 3), True),  # Friday -> Monday 3 July
        (2024, date(2024, 7, 1), False),  # Sunday -> Monday 1 July
        (2025, date(2025, 6, 30), False),  # Monday: stays
        (2026, date(2026, 6, 29), True),  # Tuesday -> Monday 29 June
        (2027, date(2027, 6, 28), True),  # Wednesday -> Monday 28 June
        (2028, date(2028, 7, 3), True),  # Friday -> Monday 3 July
    ],
)
def test_army_day_moves_to_monday(cal, year, observed, nominal_is_business):
    h = cal.holidays(year)
    assert h[observed] == "Día del Ejército"
    assert [d for d, name in h.items() if name == "Día del Ejército"] == [observed]
    assert not cal.is_business_day(observed, CIVIL)
    assert cal.is_business_day(date(year, 6, 30), CIVIL) is nominal_is_business


@pytest.mark.parametrize(
    "observed, name",
    [
        (date(2018, 10, 22), "Día de la Revolución"),  # Sat 20-10-2018 -> Monday 22
        (date(2019, 4, 29), "Día del Trabajo"),  # Wed 01-05-2019 -> Monday 29 April
        (date(2019, 10, 21), "Día de la Revolución"),  # Sun 20-10-2019 -> Monday 21
    ],
)
def test_may_and_october_moved_only_before_the_cc_ruling(cal, observed, name):
    assert cal.holidays(observed.year)[observed] == name


@pytest.mark.parametrize(
    "d",
    [
        date(2020, 5, 1),  # Friday: after the CC ruling, no move
        date(2020, 10, 20),  # Tuesday: stays
        date(2026, 10, 20),  # Tuesday: stays
        date(2027, 5, 1),  # Saturday: stays (and is a Saturday anyway)
    ],
)
def test_may_and_october_stay_after_the_cc_ruling(cal, d):
    assert d in cal.holidays(d.year)


def test_no_monday_for_may_and_october_2020(cal):
    h = cal.holidays(2020)
    assert date(2020, 5, 4) not in h  # Monday after Friday 1 May
    assert date(2020, 10, 19) not in h  # Monday before Tuesday 20 October
    assert cal.is_business_day(date(2020, 5, 4), CIVIL)
    assert cal.is_business_day(date(2020, 10, 19), CIVIL)


@pytest.mark.parametrize(
    "d, business",
    [
        (date(2025, 9, 15), False),  # Monday, Independencia
        (date(2026, 9, 15), False),  # Tuesday, Independencia (never moves)
        (date(2025, 10, 20), False),  # Monday, Revolución
        (date(2026, 10, 20), False),  # Tuesday, Revolución
        (date(2026, 10, 19), True),  # Monday before it: ordinary day
        (date(2024, 11, 1), False),  # Friday, Todos los Santos
        (date(2026, 11, 2), True),  # Monday after a Sunday 1 Nov: not moved
        (date(2025, 5, 1), False),  # Thursday, Trabajo
        (date(2025, 5, 2), True),
        (date(2025, 1, 1), False),
        (date(2025, 12, 25), False),
        (date(2025, 12, 24), True),  # half day: business day
        (date(2025, 12, 26), True),
        (date(2025, 12, 31), True),  # half day: business day
        (date(2026, 1, 2), True),
        (date(2025, 8, 15), True),  # Asunción: only Guatemala City, not national
        (date(2024, 5, 10), True),  # Día de la Madre (Friday): only working mothers
    ],
)
def test_business_day_table(cal, d, business):
    assert cal.is_business_day(d, CIVIL) is business


@pytest.mark.parametrize(
    "d",
    [date(2025, 3, 8), date(2025, 3, 9), date(2025, 5, 10), date(2026, 1, 3), date(2026, 1, 4)],
)
def test_weekends_are_not_business_days(cal, d):
    assert not cal.is_business_day(d, CIVIL)


def test_half_day_holidays_are_listed_but_business(cal):
    assert half_day_holidays(2025) == {
        date(2025, 4, 16): "Miércoles Santo (medio día)",
        date(2025, 12, 24): "Nochebuena (medio día)",
        date(2025, 12, 31): "Fin de año (medio día)",
    }
    for d in half_day_holidays(2025):
        assert cal.is_business_day(d, CIVIL)


def test_holiday_tables_are_data():
    assert [(h.month, h.day) for h in FIXED_HOLIDAYS] == [
        (1, 1), (5, 1), (6, 30), (9, 15), (10, 20), (11, 1), (12, 25)
    ]
    assert [(h.offset, h.name) for h in EASTER_HOLIDAYS] == [
        (-3, "Jueves Santo"), (-2, "Viernes Santo"), (-1, "Sábado Santo")
    ]
    assert len(national_holidays(2025)) == 10


def test_non_business_reason_in_spanish(cal):
    assert cal.non_business_reason(date(2025, 3, 8), CIVIL) == "Sábado"
    assert cal.non_business_reason(date(2025, 3, 9), CIVIL) == "Domingo"
    assert cal.non_business_reason(date(2025, 4, 18), CIVIL) == "Viernes Santo"
    assert cal.non_business_reason(date(2025, 3, 10), CIVIL) is None


# --------------------------------------------------------------------------
# Closures
# --------------------------------------------------------------------------

def test_closure_of_one_court_does_not_affect_another():
    cal = CourtCalendar(closures=[{"date": date(2025, 3, 12), "court_id": CIVIL}])
    assert not cal.is_business_day(date(2025, 3, 12), CIVIL)
    assert cal.is_business_day(date(2025, 3, 12), PENAL)
    assert cal.non_business_reason(date(2025, 3, 12), CIVIL) == "Cierre del tribunal"
    # Friday 7 -> Mon 10, Tue 11, (Wed 12 closed) Thu 13
    assert cal.add_business_days(date(2025, 3, 7), 3, CIVIL) == date(2025, 3, 13)
    assert cal.add_business_days(date(2025, 3, 7), 3, PENAL) == date(2025, 3, 12)


def test_closure_of_all_courts():
    cal = CourtCalendar(closures=[{"date": date(2025, 3, 10), "court_id": None, "reason": "Paro nacional"}])
    assert not cal.is_business_day(date(2025, 3, 10), CIVIL)
    assert not cal.is_business_day(date(2025, 3, 10), PENAL)
    assert cal.non_business_reason(date(2025, 3, 10), PENAL) == "Paro nacional"
    assert cal.add_business_days(date(2025, 3, 7), 3, CIVIL) == date(2025, 3, 13)
    assert cal.add_business_days(date(2025, 3, 7), 3, PENAL) == date(2025, 3, 13)


def test_closure_entry_forms():
    closures = [
        Closure(date(2025, 3, 10), CIVIL),
        SimpleNamespace(date=date(2025, 3, 11), court_id=CIVIL),
        (date(2025, 3, 12), CIVIL),
        {"date": "2025-03-13", "court_id": CIVIL},
        {"date": datetime(2025, 3, 14), "court_id": CIVIL},  # as pymongo returns it
        {"date": utc(2025, 3, 17), "court_id": None},
        {"date": date(2025, 3, 18)},  # no court_id: all courts
    ]
    cal = CourtCalendar(closures=closures)
    for day in (10, 11, 12, 13, 14, 17, 18):
        assert not cal.is_business_day(date(2025, 3, day), CIVIL), day
    assert cal.is_business_day(date(2025, 3, 14), PENAL)
    assert not cal.is_business_day(date(2025, 3, 17), PENAL)
    assert not cal.is_business_day(date(2025, 3, 18), PENAL)
    assert cal.next_business_day(date(2025, 3, 7), CIVIL) == date(2025, 3, 19)


@pytest.mark.parametrize(
    "entry",
    [
        {"court_id": CIVIL},
        {"date": "12/03/2025", "court_id": CIVIL},
        {"date": datetime(2025, 3, 12, 6, 0), "court_id": CIVIL},
        {"date": date(2025, 3, 12), "court_id": ""},
        {"date": date(2025, 3, 12), "court_id": 7},
        42,
    ],
)
def test_bad_closures_are_rejected(entry):
    with pytest.raises(ValueError):
        CourtCalendar(closures=[entry])


# --------------------------------------------------------------------------
# next_business_day / add_business_days / business_days_between
# --------------------------------------------------------------------------

@pytest.mark.parametrize(
    "start, n, expected",
    [
        (date(2025, 3, 7), 1, date(2025, 3, 10)),  # Friday -> Monday
        (date(2025, 3, 7), 3, date(2025, 3, 12)),
        (date(2025, 3, 8), 1, date(2025, 3, 10)),  # Saturday -> Monday
        (date(2025, 3, 10), 5, date(2025, 3, 17)),
        (date(2025, 4, 16), 1, date(2025, 4, 21)),  # Holy Wednesday -> Easter Monday
        (date(2025, 4, 14), 5, date(2025, 4, 23)),
        (date(2024, 3, 26), 3, date(2024, 4, 2)),
        (date(2025, 12, 23), 3, date(2025, 12, 29)),  # 24, 26, 29
        (date(2025, 12, 31), 1, date(2026, 1, 2)),
        (date(2025, 12, 22), 10, date(2026, 1, 7)),
        (date(2025, 6, 27), 1, date(2025, 7, 1)),  # over Monday 30 June
        (date(2026, 6, 26), 1, date(2026, 6, 30)),  # Monday 29 is the holiday in 2026
        (date(2024, 10, 31), 1, date(2024, 11, 4)),
    ],
)
def test_add_business_days(cal, start, n, expected):
    assert cal.add_business_days(start, n, CIVIL) == expected


def test_next_business_day_is_strictly_after(cal):
    assert cal.next_business_day(date(2025, 3, 10), CIVIL) == date(2025, 3, 11)
    assert cal.next_business_day(date(2025, 12, 24), CIVIL) == date(2025, 12, 26)


@pytest.mark.parametrize("n", [0, -1, 1.0, True, None])
def test_add_business_days_rejects_bad_n(cal, n):
    with pytest.raises(ValueError):
        cal.add_business_days(date(2025, 3, 7), n, CIVIL)


@pytest.mark.parametrize(
    "start, end, expected",
    [
        (date(2025, 3, 10), date(2025, 3, 13), 3),
        (date(2025, 3, 10), date(2025, 3, 10), 0),
        (date(2025, 3, 7), date(2025, 3, 9), 0),
        (date(2025, 3, 8), date(2025, 3, 10), 1),
        (date(2025, 4, 16), date(2025, 4, 21), 1),
        (date(2025, 3, 13), date(2025, 3, 10), -3),
        (date(2025, 12, 22), date(2026, 1, 7), 10),
    ],
)
def test_business_days_between(cal, start, end, expected):
    assert cal.business_days_between(start, end, CIVIL) == expected


@pytest.mark.parametrize("court_id", [None, "", 12])
def test_court_id_is_required(cal, court_id):
    with pytest.raises(ValueError):
        cal.is_business_day(date(2025, 3, 10), court_id)


def test_date_functions_reject_datetimes(cal):
    with pytest.raises(ValueError):
        cal.is_business_day(utc(2025, 3, 10, 12), CIVIL)
    with pytest.raises(ValueError):
        cal.end_of_local_day(utc(2025, 3, 10, 12))


# --------------------------------------------------------------------------
# Local / UTC
# --------------------------------------------------------------------------

@pytest.mark.parametrize(
    "instant, expected",
    [
        (utc(2025, 3, 8, 5, 59), date(2025, 3, 7)),  # Fri 23:59 local
        (utc(2025, 3, 8, 5, 59, 59, 999000), date(2025, 3, 7)),
        (utc(2025, 3, 8, 6, 0), date(2025, 3, 8)),  # Sat 00:00 local
        (utc(2025, 3, 8, 6, 1), date(2025, 3, 8)),
        (utc(2026, 1, 1, 5, 0), date(2025, 12, 31)),  # UTC new year, still 31 Dec local
        (datetime(2025, 3, 7, 23, 59, tzinfo=timezone(timedelta(hours=-6))), date(2025, 3, 7)),
    ],
)
def test_local_date(cal, instant, expected):
    assert cal.local_date(instant) == expected


def test_local_date_rejects_naive(cal):
    with pytest.raises(ValueError) as exc:
        cal.local_date(datetime(2025, 3, 8, 5, 59))
    assert exc.value.code == "naive_datetime"


@pytest.mark.parametrize(
    "d, expected",
    [
        (date(2025, 3, 12), utc(2025, 3, 13, 5, 59, 59, 999000)),
        (date(2025, 12, 31), utc(2026, 1, 1, 5, 59, 59, 999000)),
        (date(2024, 2, 29), utc(2024, 3, 1, 5, 59, 59, 999000)),
        # 2006: Guatemala had DST (UTC-5) from 30 April to 1 October.
        (date(2006, 6, 15), utc(2006, 6, 16, 4, 59, 59, 999000)),
        (date(2006, 12, 15), utc(2006, 12, 16, 5, 59, 59, 999000)),
    ],
)
def test_end_of_local_day(cal, d, expected):
    result = cal.end_of_local_day(d)
    assert result == expected
    assert result.utcoffset() == timedelta(0)


def test_start_of_local_day(cal):
    assert cal.start_of_local_day(date(2025, 3, 12)) == utc(2025, 3, 12, 6, 0)


def test_other_time_zone_with_dst():
    ny = CourtCalendar(tz="America/New_York")
    assert ny.end_of_local_day(date(2025, 3, 8)) == utc(2025, 3, 9, 4, 59, 59, 999000)  # EST
    assert ny.end_of_local_day(date(2025, 3, 9)) == utc(2025, 3, 10, 3, 59, 59, 999000)  # EDT
    assert ny.local_date(utc(2025, 7, 1, 3, 30)) == date(2025, 6, 30)


@pytest.mark.parametrize("tz", ["Mars/Olympus_Mons", "", None, "../etc/passwd"])
def test_unknown_time_zone(tz):
    with pytest.raises(ValueError):
        CourtCalendar(tz=tz)


def test_rule_error_carries_code_and_field(cal):
    with pytest.raises(RuleError) as exc:
        cal.add_business_days(date(2025, 3, 7), 0, CIVIL)
    assert exc.value.code == "invalid_days"
    assert exc.value.field == "days"
    assert "días hábiles" in str(exc.value)
