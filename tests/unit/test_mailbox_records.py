"""Plain rules of the mailbox service around the stored notice: the availability instant near
midnight, cursors, evidence fields and what counts as altered, keys, alert e-mails and backoff."""
import base64
import datetime
import hashlib
import smtplib
from zoneinfo import ZoneInfo

import pytest

from contracts import paging
from contracts.base import load
from contracts.mailbox import ListNotificationsQuerySchema
from services.mailbox import records
from services.mailbox.alerts import build_message, permanent, retry_policy
from services.mailbox.availability import availability_instant, crossed_local_midnight, seconds_to_local_midnight
from services.mailbox.evidence import EVIDENCE_FIELDS, EvidenceSigner, verify
from services.mailbox.keys import KeyConfigurationError, resolve_signer, retired_public_keys
from services.runtime.config import Settings
from services.runtime.errors import ValidationFailed

UTC = datetime.timezone.utc
GT = ZoneInfo("America/Guatemala")


def utc(*args):
    return datetime.datetime(*args, tzinfo=UTC)


class Clock:
    def __init__(self, start):
        self.now = start
        self.slept = []

    def read(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += datetime.timedelta(seconds=seconds)


# --- availability ------------------------------------------------------------------------------------
def test_far_from_midnight_the_instant_is_now():
    clock = Clock(utc(2025, 3, 8, 3, 59, 50))  # Fri 21:59:50 local
    assert availability_instant(clock.read, clock.sleep, GT) == utc(2025, 3, 8, 3, 59, 50)
    assert clock.slept == []


@pytest.mark.parametrize("seconds_before", [5.0, 3.2, 0.001])
def test_within_five_seconds_of_local_midnight_it_waits_for_the_new_day(seconds_before):
    midnight = utc(2025, 3, 8, 6, 0)  # 00:00 local, Saturday 8 March
    clock = Clock(midnight - datetime.timedelta(seconds=seconds_before))
    available = availability_instant(clock.read, clock.sleep, GT)
    assert available >= midnight and available.astimezone(GT).date() == datetime.date(2025, 3, 8)
    assert available - midnight < datetime.timedelta(milliseconds=50)


def test_just_outside_the_guard_it_does_not_wait():
    clock = Clock(utc(2025, 3, 8, 5, 59, 54))  # 23:59:54 local: six seconds to go
    assert availability_instant(clock.read, clock.sleep, GT) == utc(2025, 3, 8, 5, 59, 54)


def test_a_sleep_that_wakes_early_keeps_waiting():
    start = utc(2025, 3, 8, 5, 59, 58)
    times = iter([start, start + datetime.timedelta(seconds=1.9), start + datetime.timedelta(seconds=2.01)])
    slept = []
    available = availability_instant(lambda: next(times), slept.append, GT)
    assert available == start + datetime.timedelta(seconds=2.01) and len(slept) == 2


def test_never_available_before_it_was_issued():
    clock = Clock(utc(2025, 3, 8, 3, 0))
    issued = utc(2025, 3, 8, 3, 0, 2)  # the producer's clock is two seconds ahead
    assert availability_instant(clock.read, clock.sleep, GT, issued_at=issued) == issued


def test_midnight_helpers():
    assert seconds_to_local_midnight(utc(2025, 3, 8, 5, 59, 59), GT) == 1
    assert crossed_local_midnight(utc(2025, 3, 8, 5, 59, 59), utc(2025, 3, 8, 6, 0), GT)
    assert not crossed_local_midnight(utc(2025, 3, 8, 6, 0), utc(2025, 3, 9, 5, 59, 59), GT)
    with pytest.raises(ValueError):
        availability_instant(lambda: datetime.datetime(2025, 3, 8), lambda s: None, GT)


# --- records -----------------------------------------------------------------------------------------------
NOTICE = {
    "_id": "0123456789abcdef0123456789abcdef", "recipient": {"sub": "lic.ana", "name": "Lic. Ana", "bar_number": "9"},
    "case_number": "01001-2025-00001", "court_id": "01001", "court_name": "Juzgado Primero", "resolution_id": "r1",
    "resolution_kind": "auto", "summary": "Se admite", "folio": 3, "document_id": "d1", "document_sha256": "a" * 64,
    "document_size": 10, "document_filename": "auto.pdf", "term_days": 3, "issued_at": utc(2025, 3, 8, 3, 55),
    "available_at": utc(2025, 3, 8, 4, 0), "deemed_service_at": utc(2025, 3, 13, 5, 59, 59, 999000),
    "accessed_at": None, "served_at": None, "served_by": None, "due_date": None, "due_at": None,
}


def test_evidence_fields_are_exactly_the_evidence_fields_and_canonical():
    fields = records.evidence_fields(NOTICE, utc(2025, 3, 9, 12, 0))
    assert tuple(sorted(fields)) == tuple(sorted(EVIDENCE_FIELDS))
    assert fields["recipient"] == {"sub": "lic.ana", "name": "Lic. Ana"}
    assert fields["available_at"] == "2025-03-08T04:00:00.000Z" and fields["accessed_at"] is None
    signer = EvidenceSigner(EvidenceSigner.generate_key())
    assert verify(signer.sign(fields), {signer.key_id: signer.public_key_bytes}).valid


def test_differences_split_into_altered_and_superseded():
    presented = records.evidence_fields(NOTICE, None)
    current = {**presented, "accessed_at": "2025-03-10T15:00:00.000Z", "served_at": "2025-03-10T15:00:00.000Z",
               "served_by": "access", "due_date": "2025-03-13"}
    presented["summary"] = "Otra cosa"
    paths = ["accessed_at", "due_date", "served_at", "served_by", "summary"]
    assert records.split_differences(paths, presented, current) == (["summary"], ["accessed_at", "due_date",
                                                                                  "served_at", "served_by"])
    # a value set in the snapshot and different now is an alteration, not a later fact
    presented["accessed_at"] = "2025-03-09T00:00:00.000Z"
    assert records.split_differences(["accessed_at"], presented, current) == (["accessed_at"], [])


def test_status_of_a_notice():
    today = datetime.date(2025, 3, 12)
    assert records.status_of(NOTICE, today) == "unread"
    served = {**NOTICE, "served_at": utc(2025, 3, 10), "due_date": "2025-03-12"}
    assert records.status_of(served, today) == "pending"
    assert records.status_of(served, datetime.date(2025, 3, 13)) == "served"
    assert records.status_of({**served, "due_date": None}, today) == "served"


def test_cursor_round_trip_and_rejection():
    cursor = paging.encode_cursor(NOTICE["available_at"], NOTICE["_id"])
    assert paging.decode_cursor(cursor) == (NOTICE["available_at"], NOTICE["_id"])
    schema = ListNotificationsQuerySchema()
    assert schema.load({"cursor": cursor})["cursor"] == cursor
    for bad in ("", "!!!", "123", "_abc", "123_", "1" * 15 + "_a", "123_a$ne", "ñ_1", "123_" + "a" * 65, "12 3_a"):
        with pytest.raises(ValidationFailed) as caught:
            load(schema, {"cursor": bad})
        assert "cursor" in caught.value.details["fields"]


def test_parse_iso_requires_a_zone_and_truncates_to_milliseconds():
    assert records.parse_iso("2025-03-08T04:00:00.123456Z", "x") == utc(2025, 3, 8, 4, 0, 0, 123000)
    assert records.parse_iso("2025-03-07T22:00:00-06:00", "x") == utc(2025, 3, 8, 4, 0)
    for bad in ("2025-03-08T04:00:00", "ayer", None, "2" * 50):
        with pytest.raises(ValueError):
            records.parse_iso(bad, "x")


# --- keys ---------------------------------------------------------------------------------------------------
def test_production_refuses_to_start_without_a_signing_key():
    with pytest.raises(KeyConfigurationError, match="EVIDENCE_SIGNING_KEY"):
        resolve_signer(Settings({"PORTAL_ENV": "production", "EVIDENCE_SIGNING_KEY": None}))


@pytest.mark.parametrize("value", ["no es base64", base64.b64encode(b"corta").decode(), base64.b64encode(b"x" * 64).decode()])
def test_a_malformed_signing_key_refuses_to_start_anywhere(value):
    with pytest.raises(KeyConfigurationError):
        resolve_signer(Settings({"PORTAL_ENV": "development", "EVIDENCE_SIGNING_KEY": value}))


def test_a_configured_key_and_retired_public_keys():
    seed = bytes(range(32))
    signer = resolve_signer(Settings({"PORTAL_ENV": "production", "EVIDENCE_SIGNING_KEY": base64.b64encode(seed).decode()}))
    assert signer.public_key_bytes == EvidenceSigner(seed).public_key_bytes
    old = EvidenceSigner(bytes(32))
    retired = retired_public_keys(Settings({"EVIDENCE_RETIRED_PUBLIC_KEYS": f" {old.public_key_b64} ,"}))
    assert retired == {old.key_id: old.public_key_bytes}


# --- alerts ---------------------------------------------------------------------------------------------------
def test_the_alert_queue_keeps_its_config_keys_and_defaults():
    policy = retry_policy(Settings({}))
    assert (policy.backoff_seconds, policy.backoff_max_seconds, policy.max_attempts, policy.lease_seconds) == \
        (5, 3600, 40, 60)
    policy = retry_policy(Settings({"ALERT_BACKOFF_SECONDS": "0.5", "ALERT_BACKOFF_MAX_SECONDS": "2",
                                    "ALERT_MAX_ATTEMPTS": "3"}))
    assert (policy.backoff_seconds, policy.backoff_max_seconds, policy.max_attempts) == (0.5, 2, 3)


def test_only_a_5xx_refusal_of_the_recipient_is_permanent():
    assert permanent(smtplib.SMTPRecipientsRefused({"a@b.gt": (550, b"no such user")}))
    assert not permanent(smtplib.SMTPRecipientsRefused({"a@b.gt": (450, b"mailbox busy")}))
    assert not permanent(smtplib.SMTPServerDisconnected("cerrado"))


def test_the_alert_email_is_spanish_plain_text_and_cannot_be_used_to_inject_headers():
    alert = {"_id": "alert1", "email": "ana@bufete.gt"}
    notice = {**NOTICE, "case_number": "01001-2025-00001\r\nBcc: todos@ejemplo.gt", "summary": "Línea 1\nLínea 2"}
    message = build_message(alert, notice, "casillero@oj.gob.gt")
    assert "\n" not in message["Subject"] and "Bcc" not in message
    assert message["Message-ID"] == "<alert1@casillero.oj.gob.gt>"
    body = message.get_content()
    assert "Resolución: Auto (folio 3)" in body and "Línea 1 Línea 2" in body
    assert "/api/v1/mailbox/notifications/0123456789abcdef0123456789abcdef" in body
    assert not message.is_multipart()


# --- the other views and checks ------------------------------------------------------------------------
def test_a_resolution_event_that_can_never_apply_is_refused():
    event = {"issued_at": "2025-03-08T03:55:00.000Z", "term_days": 3}
    records.check_resolution_issued(event)
    records.check_resolution_issued({**event, "term_days": None})
    records.check_resolution_issued({**event, "term_days": 0})
    records.check_resolution_issued({**event, "term_days": records.MAX_TERM_DAYS})
    for bad in ({**event, "term_days": 366}, {**event, "term_days": -1}, {**event, "issued_at": "2025-03-08"},
                {**event, "issued_at": "2025-03-08T03:55:00"}):
        with pytest.raises(ValueError):
            records.check_resolution_issued(bad)


def test_service_fields_of_a_notice():
    from services.runtime.court_calendar import CourtCalendar

    calendar = CourtCalendar()
    served_at = utc(2025, 3, 10, 15, 0)
    assert records.service_fields(NOTICE, served_at, "access", calendar, 3) == {
        "served_at": served_at, "served_by": "access", "due_date": "2025-03-13",
        "due_at": utc(2025, 3, 14, 5, 59, 59, 999000), "deemed_service_at": NOTICE["deemed_service_at"]}
    no_term = records.service_fields({**NOTICE, "term_days": None}, served_at, "lapse", calendar, 3)
    assert no_term["due_date"] is None and no_term["due_at"] is None


def test_the_document_matches_the_notice_by_its_hash_and_id():
    data = b"%PDF-1.7 auto"
    doc = {**NOTICE, "document_sha256": hashlib.sha256(data).hexdigest()}
    assert records.document_matches(doc, data)
    assert records.document_matches(doc, data, "d1")
    assert not records.document_matches(doc, data, "d2")
    assert not records.document_matches(doc, data + b" ", "d1")


def test_summary_view():
    due = {**NOTICE, "due_date": "2025-03-13", "due_at": utc(2025, 3, 14, 5, 59, 59, 999000)}
    assert records.summary_view(2, 5, [(due, 1)]) == {
        "unread": 2, "served": 5, "due_soon": {"business_days": 3, "count": 1, "items": [
            {"notification_id": NOTICE["_id"], "case_number": "01001-2025-00001", "resolution_kind": "auto",
             "due_date": "2025-03-13", "due_at": "2025-03-14T05:59:59.999Z", "business_days_left": 1}]}}
    assert records.summary_view(0, 0, [])["due_soon"] == {"business_days": 3, "count": 0, "items": []}


def test_profile_view_and_email():
    assert records.profile_view(None) == {"email": None, "alerts": False, "updated_at": None}
    assert records.profile_view({"email": "ana@bufete.gt", "alerts": True, "updated_at": utc(2025, 3, 8)}) == {
        "email": "ana@bufete.gt", "alerts": True, "updated_at": "2025-03-08T00:00:00.000Z"}
    assert records.profile_email("  ana@bufete.gt ") == "ana@bufete.gt"
    assert records.profile_email("") is None and records.profile_email(None) is None


def test_closure_view():
    doc = {"_id": "c1", "date": "2027-03-15", "court_id": None, "court_key": "*", "reason": "Fumigación",
           "created_by": "adm", "created_at": utc(2027, 1, 2, 3, 4, 5, 6000)}
    assert records.closure_view(doc) == {"closure_id": "c1", "date": "2027-03-15", "court_id": None,
                                         "reason": "Fumigación", "created_by": "adm",
                                         "created_at": "2027-01-02T03:04:05.006Z"}


def test_holidays_view_sorts_by_date_whole_days_first():
    view = records.holidays_view(2025, {datetime.date(2025, 4, 18): "Viernes Santo",
                                        datetime.date(2025, 1, 1): "Año Nuevo"},
                                 {datetime.date(2025, 4, 16): "Miércoles Santo (medio día)",
                                  datetime.date(2025, 1, 1): "medio"})
    assert view["year"] == 2025
    assert [(i["date"], i["half_day"]) for i in view["items"]] == [
        ("2025-01-01", False), ("2025-01-01", True), ("2025-04-16", True), ("2025-04-18", False)]
