"""Rules of the notarial protocol archive, without a database: the 25-business-day deadline (Holy Week, year
end, weekends), numbering gaps, the annual index against the deposits, will secrecy, the fee table."""
import datetime
from decimal import Decimal

import pytest

from services.certificates.protocol import domain, views
from services.certificates.protocol.settings import fee_table
from services.runtime.court_calendar import CourtCalendar

D = datetime.date
CAL = CourtCalendar("America/Guatemala")


@pytest.mark.parametrize("authorized, deadline, why", [
    # Holy Week 2026: Easter is 5 April; Thursday 2, Friday 3 (and Saturday 4) April are holidays
    (D(2026, 3, 20), D(2026, 4, 28), "Mar 20 (Fri): 23-27 Mar, 30 Mar-1 Apr, 6-10, 13-17, 20-24, 27-28 Apr"),
    # year end: 25 December and 1 January are holidays, and the weekends
    (D(2025, 12, 19), D(2026, 1, 27), "Dec 22-24, 26, 29-31, Jan 2, 5-9, 12-16, 19-23, 26-27"),
    # authorised on a Saturday: the count starts on Monday
    (D(2026, 6, 6), D(2026, 7, 13), "30 June 2026 is a Tuesday: moved to Monday 29 June"),
])
def test_deadline_is_25_business_days_after_authorisation(authorized, deadline, why):
    assert domain.timeliness(authorized, authorized, CAL).deadline == deadline, why
    # counted by hand, the same: 25 business days in (authorized, deadline]
    assert CAL.business_days_between(authorized, deadline, domain.CALENDAR_COURT) == 25


def test_holy_week_days_are_not_counted():
    on_time = domain.timeliness(D(2026, 3, 20), D(2026, 4, 28), CAL)
    assert not on_time.extemporaneo and on_time.business_days_late == 0
    # a plain count of weekdays would have expired on 24 April; Holy Thursday and Friday push it to the 28th
    assert not domain.timeliness(D(2026, 3, 20), D(2026, 4, 27), CAL).extemporaneo


def test_late_deposit_counts_business_days_late():
    late = domain.timeliness(D(2026, 3, 20), D(2026, 5, 4), CAL)  # 1 May (Día del Trabajo) is a Friday holiday
    assert late.extemporaneo and late.deadline == D(2026, 4, 28)
    assert late.business_days_late == 3  # 29 and 30 April, (1 May holiday, weekend), 4 May
    weekend = domain.timeliness(D(2026, 3, 20), D(2026, 5, 2), CAL)  # deposited on Saturday 2 May
    assert weekend.extemporaneo and weekend.business_days_late == 2


def test_year_end_deposit_after_new_year():
    timing = domain.timeliness(D(2025, 12, 19), D(2026, 1, 28), CAL)
    assert timing.extemporaneo and timing.business_days_late == 1


def test_authorized_at_rules():
    today = D(2026, 6, 1)
    assert domain.authorized_at_problem(D(2026, 6, 2), 2026, today) == "La fecha de autorización no puede ser futura."
    assert "2025" in domain.authorized_at_problem(D(2026, 1, 2), 2025, today)
    assert domain.authorized_at_problem(D(2026, 6, 1), 2026, today) is None
    assert domain.year_problem(2027, today) and domain.year_problem(2026, today) is None


@pytest.mark.parametrize("numbers, missing", [
    ([], []), ([1, 2, 3], []), ([1, 3, 6], [2, 4, 5]), ([4], [1, 2, 3]), ([2, 2, 1], []),
])
def test_numbering_gaps(numbers, missing):
    assert domain.missing_numbers(numbers) == missing


def test_index_against_deposits():
    index = [{"number": 1, "act_type": "compraventa"}, {"number": 2, "act_type": "mandato"},
             {"number": 4, "act_type": None}, {"number": 5, "act_type": "poder"}]
    deposited = [{"number": 1, "act_type": "compraventa"}, {"number": 2, "act_type": "donacion"},
                 {"number": 3, "act_type": "testamento"}, {"number": 4, "act_type": "mutuo"}]
    result = domain.reconcile(index, deposited)
    assert result.in_index_not_deposited == [5]
    assert result.deposited_not_in_index == [3]
    assert result.act_type_mismatch == [2]  # an entry without act_type is not compared
    assert domain.reconcile([], []).in_index_not_deposited == []


WILL = {"_id": "w" * 32, "bar_number": "1234", "notary_name": "Notaria Uno", "year": 2026, "number": 3, "version": 1,
        "authorized_at": "2026-03-01", "place": "Guatemala", "act_type": "testamento",
        "grantors": [{"name": "Ana Testadora", "id_number": "1234567890101", "role": "testador"}],
        "summary": "Testamento abierto", "document": {"pages": 2}, "deposited_at": datetime.datetime(
            2026, 3, 2, tzinfo=datetime.timezone.utc)}


@pytest.mark.parametrize("actor, sees", [
    ({"sub": "n", "role": "notary", "bar_number": "1234"}, True),
    ({"sub": "o", "role": "notary", "bar_number": "9999"}, False),
    ({"sub": "a", "role": "archive_officer"}, True),
    ({"sub": "l", "role": "lawyer", "bar_number": "1234"}, False),  # a lawyer's bar number is not the notary's
    ({"sub": "c", "role": "citizen"}, False),
])
def test_will_secrecy(actor, sees):
    view = views.instrument_view(WILL, actor)
    assert view["secret"] is True and view["number"] == 3 and view["act_type"] == "testamento"
    assert bool(view["grantors"]) == sees and (view["summary"] is not None) == sees
    assert "id_number" not in str(view)  # never a grantor's id number, not even to its notary
    assert domain.will_copy_needs_death_certificate(WILL, actor) == (not (actor["role"] == "notary" and sees))
    assert domain.copy_needs_approval("copia_simple", WILL, actor) == (not sees)


def test_other_acts_are_not_secret():
    deed = {**WILL, "act_type": "compraventa"}
    view = views.instrument_view(deed, {"sub": "c", "role": "citizen"})
    assert view["secret"] is False and view["grantors"] == [{"name": "Ana Testadora", "role": "testador"}]
    assert not domain.copy_needs_approval("copia_simple", deed, {"sub": "c", "role": "citizen"})
    assert domain.copy_needs_approval("testimonio", deed, {"sub": "c", "role": "citizen"})


def test_a_grantor_is_found_by_the_key_of_the_words_searched_and_each_name_on_its_own():
    from services.runtime import names

    fields = domain.grantor_search([{"name": "José Peña de León"}, {"name": "ÁLVARO Ruíz"}])
    first, second = fields["grantor_index"]
    for query in (["jose", "pena"], ["pena", "jose"], ["pen", "leo"], ["alvaro"], ["ruiz", "alv"]):
        assert names.search_key(query, whole=False) in fields["grantor_keys"], query
        assert any(set(query) <= set(each["prefixes"]) for each in (first, second)), query
    assert "ose" not in first["prefixes"]  # the beginning of words, not any substring
    # words of two grantors are nobody's name: no single grantor holds them
    assert not any({"jose", "alvaro"} <= set(each["prefixes"]) for each in (first, second))
    assert names.search_key(["jose", "alvaro"], whole=False) not in fields["grantor_keys"]


def test_fee_table_and_fee():
    table = fee_table("copia_simple:1.50,testimonio:5.00")
    assert domain.copy_fee("copia_simple", 3, table) == Decimal("4.50")
    for bad in ("copia_simple:1.00", "copia_simple:0,testimonio:1.00", "otra:1.00,testimonio:1.00", "x"):
        with pytest.raises(ValueError):
            fee_table(bad)


def test_copy_status():
    now = datetime.datetime(2026, 3, 1, tzinfo=datetime.timezone.utc)
    later = now + datetime.timedelta(hours=1)
    copy = {"needs_approval": True, "expires_at": later, "paid_at": None}
    assert domain.copy_status(copy, now) == "awaiting_payment"
    assert domain.copy_status(copy, later) == "expired"
    copy["paid_at"] = now
    assert domain.copy_status(copy, now) == "awaiting_approval" and not domain.ready_to_issue(copy)
    copy["approved_at"] = now
    assert domain.copy_status(copy, now) == "paid" and domain.ready_to_issue(copy)
    copy["issued_at"] = now
    assert domain.copy_status(copy, now) == "issued"


def test_declared_pages_are_the_pdfs():
    assert domain.pages_problem(3, 3) is None
    assert domain.pages_problem(2, 1) == "El testimonio adjunto tiene 1 página; se declararon 2."
    assert domain.pages_problem(1, 4) == "El testimonio adjunto tiene 4 páginas; se declararon 1."
