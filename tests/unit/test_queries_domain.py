"""The public read model's rules: names for search, versions, reserved, date ranges, local times."""
import datetime
from zoneinfo import ZoneInfo

import pytest

from services.queries import domain
from services.runtime.court_calendar import RuleError

GT = ZoneInfo("America/Guatemala")
UTC = datetime.timezone.utc
D = datetime.date


# --- names -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("party, query, tier", [
    ("María José Peña Gómez", "maria jose pena gomez", 0),        # tildes and ñ
    ("MARÍA JOSÉ PEÑA GÓMEZ", "maría peña", 0),                     # case
    ("María José Peña Gómez", "Gómez Peña María", 0),               # word order
    ("María José Peña Gómez", "gom pe", 1),                         # partial words
    ("María José Peña Gómez", "PEÑ", 1),
    ("Ñandutí Müller, S.A.", "muller nanduti s.a.", 0),             # ñ, diaeresis, punctuation
    ("Concejo Municipal de Mixco", "municipal mixco", 0),
    ("Concejo Municipal de Mixco", "mixco concejo muni", 1),
    ("María José Peña Gómez", "maria lopez", None),                 # a word that is not there
    ("María José Peña Gómez", "ariа", None),                        # a Cyrillic "а" is not an "a"
    ("Ana", "anabel", None),                                        # the query word is longer than the name's
])
def test_a_query_matches_a_party_whatever_the_accents_case_order_or_whole_words(party, query, tier):
    index = domain.party_index([{"name": party, "role": "postulante"}])
    assert domain.match_tier(index, domain.query_words(query)) == tier


def test_words_of_a_query_are_matched_within_one_party_not_across_parties():
    index = domain.party_index([{"name": "Ana López", "role": "postulante"},
                                {"name": "Carlos Pérez", "role": "tercero_interesado"}])
    assert domain.match_tier(index, domain.query_words("ana perez")) is None
    assert domain.match_tier(index, domain.query_words("perez carlos")) == 0


def test_folding_and_words():
    assert domain.fold("ÁÉÍÓÚ Ññ Üü") == "aeiou nn uu"
    assert domain.words("De León, de LEÓN; y   Peña-Ruiz") == ["de", "leon", "y", "pena", "ruiz"]
    assert domain.beginnings(["pena"]) == ["p", "pe", "pen", "pena"]
    assert len(domain.beginnings(["a" * 50])) == domain.MAX_PREFIX_LENGTH


@pytest.mark.parametrize("query", ["", "   ", ".*", "(?:)", "$where", "{\"$gt\": \"\"}", "^$|.*", "\\"])
def test_a_query_without_letters_or_digits_is_refused_and_metacharacters_are_not_patterns(query):
    words = None
    try:
        words = domain.query_words(query)
    except RuleError as exc:
        assert exc.field == "q"
        return
    assert all(word.isalnum() for word in words)  # "$where" is the word "where", never an operator


def test_a_query_keeps_at_most_eight_words_of_twenty_characters():
    words = domain.query_words(" ".join(f"palabra{i}" * 5 for i in range(20)))
    assert len(words) == domain.MAX_QUERY_WORDS and all(len(w) <= domain.MAX_PREFIX_LENGTH for w in words)


# --- versions and reserved ---------------------------------------------------------------------------------------
def test_only_a_newer_version_replaces_what_is_held():
    assert domain.is_newer(1, None)
    assert domain.is_newer(3, 2)
    assert not domain.is_newer(2, 2)
    assert not domain.is_newer(1, 2)
    assert not domain.is_newer(None, 1)


def test_the_stage_is_the_one_of_the_newest_fact_that_set_one_whatever_the_arrival_order():
    facts = [("ingresado", 1), ("admitido", 2), (None, 3), ("amparo_provisional_otorgado", 4), (None, 5)]
    import itertools
    for order in itertools.permutations(facts):
        stage, version = None, None
        for fact_stage, fact_version in order:
            stage, version = domain.stage_after(stage, version, fact_stage, fact_version)
        assert (stage, version) == ("amparo_provisional_otorgado", 4)


def _opened(reserved=False, matter="amparo", version=1, stage=None):
    return {"case_number": "00001-2026-00001", "court_id": "00001", "court_name": "Cámara", "matter": matter,
            "subject": "x", "opened_at": "2026-03-02T15:00:00.000Z", "opened_by": {"sub": "a"},
            "case_version": version, "reserved": reserved, "parties": [{"name": "Ana", "role": "postulante"}],
            "act_complained": "Acto", "stage": stage}


def test_reserved_sticks_and_a_reserved_or_non_public_case_is_not_public():
    case = domain.case_after_opened(None, _opened())
    assert case["public"] and case["stage"] == "ingresado"
    reserved = domain.case_after_reserved(case, {"case_number": case["_id"], "court_id": "00001",
                                                 "matter": "amparo", "case_version": 2})
    assert reserved["reserved"] and not reserved["public"]
    # a late opening that says "not reserved" does not lift it
    again = domain.case_after_opened(reserved, _opened(reserved=False))
    assert again["reserved"] and not again["public"]
    assert not domain.case_after_opened(None, _opened(matter="civil"))["public"]
    assert not domain.case_after_opened(None, _opened(matter="familia", reserved=True))["public"]


def test_a_resolution_before_its_case_opened_keeps_its_stage_when_the_opening_arrives():
    early = domain.case_after_resolution(None, {"case_number": "00001-2026-00001", "court_id": "00001",
                                                "court_name": "Cámara", "matter": "amparo", "stage": "admitido",
                                                "case_version": 2})
    assert not early["public"] and early["stage"] == "admitido"
    opened = domain.case_after_opened(early, _opened())
    assert opened["public"] and opened["stage"] == "admitido" and opened["version"] == 2


def _hearing(version, status="programada", reserved=False, matter="penal"):
    return {"hearing_id": "h1", "version": version, "case_number": "01010-2026-00001", "court_id": "01010",
            "court_name": "Penal", "matter": matter, "kind": "debate", "starts_at": "2026-03-02T15:00:00Z",
            "duration_minutes": 90, "room": "Sala 1", "mode": "presencial", "status": status, "reason": None,
            "changed_at": "2026-03-01T10:00:00Z", "case_reserved": reserved,
            "public_parties": [{"name": "Ana", "role": "agraviado"}]}


def test_a_late_older_hearing_state_never_overwrites_a_newer_one_but_reserved_still_sticks():
    case = domain.blank_case("01010-2026-00001")
    v2 = domain.hearing_after(None, _hearing(2, "reprogramada"), case)
    late = domain.hearing_after(v2, _hearing(1, "programada", reserved=True), case)
    assert late["version"] == 2 and late["status"] == "reprogramada" and late["reserved"]
    assert v2["ends_at"] - v2["starts_at"] == datetime.timedelta(minutes=90)
    assert v2["parties"] is None  # no party names outside amparo and antejuicio
    assert domain.hearing_after(None, _hearing(1, matter="amparo"), case)["parties"] == [
        {"name": "Ana", "role": "agraviado", "office": None}]


# --- date ranges and local times ------------------------------------------------------------------------------------
TODAY = D(2026, 3, 2)


@pytest.mark.parametrize("day, first, last, expected", [
    (None, None, None, (TODAY, TODAY)),
    (D(2026, 3, 5), None, None, (D(2026, 3, 5), D(2026, 3, 5))),
    (None, D(2026, 3, 1), D(2026, 3, 31), (D(2026, 3, 1), D(2026, 3, 31))),   # 31 days
    (None, D(2026, 3, 1), D(2026, 3, 1), (D(2026, 3, 1), D(2026, 3, 1))),
])
def test_accepted_agenda_ranges(day, first, last, expected):
    days = domain.hearing_range(TODAY, day, first, last)
    assert (days.first, days.last) == expected


@pytest.mark.parametrize("day, first, last, code, field", [
    (D(2026, 3, 5), D(2026, 3, 1), None, "invalid_range", "date"),
    (None, D(2026, 3, 1), None, "invalid_range", "to"),
    (None, None, D(2026, 3, 1), "invalid_range", "from"),
    (None, D(2026, 3, 10), D(2026, 3, 1), "invalid_range", "from"),          # reversed
    (None, D(2026, 3, 1), D(2026, 4, 1), "range_too_long", "to"),            # 32 days
    (None, D(2026, 3, 1), D(2026, 4, 9), "range_too_long", "to"),            # 40 days
])
def test_refused_agenda_ranges(day, first, last, code, field):
    with pytest.raises(RuleError) as refused:
        domain.hearing_range(TODAY, day, first, last)
    assert (refused.value.code, refused.value.field) == (code, field)


def test_a_local_day_is_the_courts_day_in_utc_and_the_ends_of_the_calendar_do_not_overflow():
    start, end = domain.DayRange(D(2026, 3, 2), D(2026, 3, 2)).bounds(GT)
    assert (start, end) == (datetime.datetime(2026, 3, 2, 6, tzinfo=UTC), datetime.datetime(2026, 3, 3, 6, tzinfo=UTC))
    for day in (D.min, D.max, D(9999, 12, 30), D(1, 1, 2)):
        first, last = domain.DayRange(day, day).bounds(GT)
        assert first <= last
    with pytest.raises(RuleError):
        domain.period_range(D(2026, 3, 2), D(2026, 3, 1))
    assert domain.period_range(None, None) is None


def test_local_rendering_and_today_in_the_courts_time_zone():
    instant = datetime.datetime(2026, 3, 3, 3, 30, tzinfo=UTC)  # 21:30 of the 2nd in Guatemala
    assert domain.local_iso(instant, GT) == "2026-03-02T21:30:00-06:00"
    assert domain.local_today(instant, GT) == D(2026, 3, 2)
    assert domain.iso(instant) == "2026-03-03T03:30:00.000Z"
    assert domain.parse_instant("2026-03-02T21:30:00-06:00") == instant
    with pytest.raises(RuleError):
        domain.parse_instant("2026-03-02T21:30:00")  # no offset
