"""The chat's retention rules (services.chat.domain, "retention"), with the clock passed in: which conversations have
outlived CHAT_RETENTION_DAYS, and what the anonymous shell of an erased one keeps. The setting's bounds too."""
import datetime

import pytest

from services.chat import domain
from services.chat.settings import ChatSettings
from services.runtime.config import ConfigurationError

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 12, 6, 20, 0, tzinfo=UTC)
DAY = datetime.timedelta(days=1)
SECOND = datetime.timedelta(seconds=1)


def ago(days, extra=datetime.timedelta()):
    return NOW - days * DAY + extra


@pytest.mark.parametrize("status,resolved_at,touched_at,open_inquiries,days,expired", [
    # resolved and untouched for the whole retention: erased, to the second
    ("resolved", ago(400), ago(400), 0, 365, True),
    ("resolved", ago(365), ago(365), 0, 365, True),
    ("resolved", ago(365, SECOND), ago(365, SECOND), 0, 365, False),
    # resolved long ago but touched since (a note, an inquiry answered, a survey answer): kept
    ("resolved", ago(400), ago(10), 0, 365, False),
    ("resolved", ago(400), ago(365), 0, 365, True),
    # an inquiry still unanswered: never, however old
    ("resolved", ago(4000), ago(4000), 1, 365, False),
    # open, pending, snoozed: never
    ("open", ago(400), ago(400), 0, 365, False),
    ("pending", ago(400), ago(400), 0, 365, False),
    ("snoozed", ago(400), ago(400), 0, 365, False),
    # nothing says how old it is: kept
    ("resolved", None, ago(400), 0, 365, False),
    ("resolved", ago(400), None, 0, 365, False),
    # another retention
    ("resolved", ago(31), ago(31), 0, 30, True),
    ("resolved", ago(29), ago(29), 0, 30, False),
    ("resolved", ago(1), ago(1), 0, 1, True),
    ("resolved", ago(1, SECOND), ago(1), 0, 1, False),
])
def test_which_conversations_have_outlived_the_retention(status, resolved_at, touched_at, open_inquiries, days,
                                                         expired):
    assert domain.retention_expired(status, resolved_at, touched_at, open_inquiries, NOW, days) is expired


def test_the_cutoff_and_the_last_activity():
    assert domain.retention_cutoff(NOW, 365) == datetime.datetime(2025, 12, 6, 20, 0, tzinfo=UTC)
    assert domain.last_activity(None, ago(3), ago(1), None, ago(2)) == ago(1)
    assert domain.last_activity(None, None) is None
    assert domain.last_activity() is None


@pytest.mark.parametrize("resolved_at,touched_at,open_inquiries,days,recheck_at", [
    # touched 10 days ago, resolved earlier: looked at again when the touch has outlived the retention
    (ago(400), ago(10), 0, 365, ago(10) + 365 * DAY),
    # resolved recently, touched before that: the resolution decides
    (ago(20), ago(40), 0, 30, ago(20) + 30 * DAY),
    # an inquiry waits for its answer (which may come any day): tomorrow
    (ago(4000), ago(4000), 1, 365, NOW + DAY),
    # nothing says how old it is: tomorrow
    (None, ago(400), 0, 365, NOW + DAY),
    (ago(400), None, 0, 365, NOW + DAY),
    # never before a second from now (the verdict and the clock agree to the second)
    (ago(30), ago(30), 0, 30, NOW + SECOND),
])
def test_when_a_conversation_kept_by_the_retention_is_looked_at_again(resolved_at, touched_at, open_inquiries, days,
                                                                      recheck_at):
    assert domain.retention_recheck_at(resolved_at, touched_at, open_inquiries, NOW, days) == recheck_at


def conversation(**extra):
    doc = {"_id": "c1", "line": "100000000000001", "wa_id": "5216861234567",
           "contact": {"wa_id": "5216861234567", "name": "Lic. Ana Pérez"}, "lawyer": {"bar_number": "1234"},
           "status": "resolved", "snoozed_until": None, "assignee": {"sub": "agente.ana", "name": "Ana"},
           "labels": ["familiar"], "created_at": ago(500), "updated_at": ago(400), "resolved_at": ago(400),
           "last_message_at": ago(401), "last_user_message_at": ago(401),
           "last_message_preview": "Mi expediente 01001-2026-00012", "unanswered": 0, "waiting_since": ago(500),
           "team": "tijuana", "area": "quejas", "complaint": True, "sla": {"breaches": ["first_response"]},
           "sla_breached": True, "sla_check_at": None, "out_of_office_day": "2025-07-01",
           "csat": {"survey_id": "s1", "status": "answered", "score": 4}, "erased_at": ago(0),
           "erasing": {"wa_id": "5216861234567", "since": ago(0)}, "a_field_added_later": "dato personal"}
    doc.update(extra)
    return doc


FIGURES = {"first_in": ago(501), "first_reply": ago(500), "messages_in": 3, "messages_out": 2,
           "cues": [["nadie_contesta"], []], "classes": ["queja", "consulta"]}


def test_the_shell_keeps_what_the_reports_count_and_nothing_personal():
    doc = conversation()
    update = domain.erased_shell(doc, FIGURES, NOW)
    kept = {key: value for key, value in doc.items() if key not in update["$unset"]}
    kept.update(update["$set"])
    assert set(kept) <= set(domain.SHELL_FIELDS)
    assert set(update["$unset"]) == {"contact", "lawyer", "snoozed_until", "last_message_at", "last_user_message_at",
                                     "last_message_preview", "unanswered", "waiting_since", "sla_check_at",
                                     "out_of_office_day", "erasing", "a_field_added_later"}
    assert kept["wa_id"] == "erased:c1"
    assert kept["assignee"] == {"sub": "agente.ana"}
    assert kept["figures"] == FIGURES
    assert kept["erased_at"] == NOW
    for key in ("line", "team", "area", "status", "created_at", "resolved_at", "csat", "complaint", "sla",
                "sla_breached", "labels"):
        assert kept[key] == doc[key]
    text = repr(kept)
    for personal in ("5216861234567", "Ana Pérez", "01001-2026-00012", "1234", "dato personal", "'Ana'"):
        assert personal not in text


def test_the_shell_of_a_conversation_nobody_was_assigned():
    update = domain.erased_shell(conversation(assignee=None), None, NOW)
    assert update["$set"]["assignee"] is None
    assert update["$set"]["figures"] == {key: None for key in domain.FIGURES}


def test_the_shell_is_the_same_when_applied_again():
    """A run that died after the shell was written and before it noticed finds the shell: applying it again
    changes nothing."""
    doc = conversation()
    update = domain.erased_shell(doc, FIGURES, NOW)
    shell = {key: value for key, value in doc.items() if key not in update["$unset"]}
    shell.update(update["$set"])
    again = domain.erased_shell(shell, shell["figures"], NOW)
    assert "$unset" not in again
    assert {**shell, **again["$set"]} == shell


@pytest.mark.parametrize("raw,expected", [(None, 365), ("", 365), ("365", 365), ("30", 30), ("1", 1), ("3650", 3650)])
def test_the_retention_setting(raw, expected):
    config = {} if raw is None else {"CHAT_RETENTION_DAYS": raw}
    assert ChatSettings(config).retention_days == expected


@pytest.mark.parametrize("raw", ["0", "-1", "3651", "1.5", "un año", "365d"])
def test_a_retention_that_makes_no_sense_refuses_to_start(raw):
    with pytest.raises(ConfigurationError) as refused:
        ChatSettings({"CHAT_RETENTION_DAYS": raw})
    assert "CHAT_RETENTION_DAYS" in str(refused.value)


def test_production_refuses_nonsense_too():
    secrets = {"PORTAL_ENV": "production", "WHATSAPP_APP_SECRET": "s" * 32, "WHATSAPP_VERIFY_TOKEN": "v" * 16,
               "WHATSAPP_ACCESS_TOKEN": "a" * 32}
    assert ChatSettings(secrets).retention_days == 365
    with pytest.raises(ConfigurationError):
        ChatSettings({**secrets, "CHAT_RETENTION_DAYS": "0"})
