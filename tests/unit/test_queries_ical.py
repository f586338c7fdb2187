"""The hearings' iCalendar feeds, parsed back with the icalendar library (what a calendar application reads)."""
import datetime

import icalendar

from services.queries import ical

UTC = datetime.timezone.utc


def hearing(hearing_id="a" * 32, version=1, status="programada", room="Sala 3", reason=None, parties=None,
            starts=datetime.datetime(2026, 3, 2, 15, 0, tzinfo=UTC), minutes=90):
    return {"_id": hearing_id, "version": version, "case_number": "00001-2026-00007", "court_id": "00001",
            "court_name": "Corte Suprema de Justicia, Cámara de Amparo y Antejuicio", "matter": "amparo",
            "kind": "vista", "starts_at": starts, "ends_at": starts + datetime.timedelta(minutes=minutes),
            "duration_minutes": minutes, "room": room, "mode": "presencial", "status": status, "reason": reason,
            "changed_at": datetime.datetime(2026, 3, 1, 12, 30, tzinfo=UTC), "parties": parties}


def parse(text):
    return icalendar.Calendar.from_ical(text)


def events(text):
    return [c for c in parse(text).walk() if c.name == "VEVENT"]


def test_each_hearing_is_one_event_with_a_stable_uid_its_version_as_sequence_and_utc_times():
    text = ical.calendar("Audiencias", [hearing(), hearing("b" * 32, version=3, status="reprogramada")])
    first, second = events(text)
    assert str(first["UID"]) == f"{'a' * 32}@{ical.UID_DOMAIN}"
    assert int(first["SEQUENCE"]) == 1 and int(second["SEQUENCE"]) == 3
    assert first.decoded("DTSTART") == datetime.datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    assert first.decoded("DTEND") == datetime.datetime(2026, 3, 2, 16, 30, tzinfo=UTC)
    assert str(first["STATUS"]) == "CONFIRMED"
    assert parse(text)["VERSION"] == "2.0" and "PRODID" in parse(text)
    # the same hearing changed: same UID, a higher SEQUENCE
    changed = events(ical.calendar("Audiencias", [hearing(version=2, status="cancelada", reason="Enfermedad")]))[0]
    assert str(changed["UID"]) == str(first["UID"]) and int(changed["SEQUENCE"]) == 2
    assert str(changed["STATUS"]) == "CANCELLED"
    assert "Enfermedad" in str(changed["DESCRIPTION"])


def test_text_is_escaped_and_long_lines_are_folded_at_75_octets_without_splitting_characters():
    nasty = "Sala 1; edificio B, nivel 2 \\ ala \"norte\"\nentrada por la 21 calle " + "ñ" * 80
    parties = [{"name": "María José Peña Gómez", "role": "postulante", "office": None}]
    text = ical.calendar("Audiencias; tribunal, sala", [hearing(room=nasty, parties=parties, reason="Línea 1\nLínea 2")])
    raw = text.encode("utf-8")
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    for line in raw.split(b"\r\n"):
        assert len(line) <= 75
        line.decode("utf-8")  # no line ends inside a character
    event = events(text)[0]
    assert str(event["LOCATION"]) == nasty
    assert "María José Peña Gómez" in str(event["DESCRIPTION"])
    assert "Línea 1\nLínea 2" in str(event["DESCRIPTION"])
    assert "\r\nX-WR-CALNAME:Audiencias\\; tribunal\\, sala\r\n" in text


def test_control_characters_are_dropped_and_an_empty_feed_is_a_valid_calendar():
    assert ical.escape_text("a\x00b\x1bc") == "abc"
    empty = parse(ical.calendar("Sin audiencias", []))
    assert empty.name == "VCALENDAR" and not [c for c in empty.walk() if c.name == "VEVENT"]


def test_a_suspended_hearing_is_cancelled_for_calendars():
    assert str(events(ical.calendar("x", [hearing(status="suspendida")]))[0]["STATUS"]) == "CANCELLED"
    assert str(events(ical.calendar("x", [hearing(status="realizada")]))[0]["STATUS"]) == "CONFIRMED"
