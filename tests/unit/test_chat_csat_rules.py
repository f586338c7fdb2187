"""The satisfaction survey's rules without a database: the list message within Meta's limits, and which inbound
message answers which survey (and so does not reopen the conversation)."""
import datetime

import pytest

from services.chat import csat
from services.chat.settings import ChatSettings
from services.runtime.config import ConfigurationError

SURVEY = "a" * 32
OTHER = "b" * 32
PENDING = {"survey_id": SURVEY, "status": "sent", "score": None}
ANSWERED = {"survey_id": SURVEY, "status": "answered", "score": 4}
AT = datetime.datetime(2026, 12, 6, 18, 0, tzinfo=datetime.timezone.utc)


def text(body):
    return {"type": "text", "text": body, "reply": None}


def picked(row_id, title="x", kind="list_reply"):
    return {"type": "interactive", "text": title, "reply": {"kind": kind, "id": row_id, "title": title}}


def quick_reply(payload, title):
    return {"type": "button", "text": title, "reply": {"kind": "button", "id": payload, "title": title}}


def test_the_survey_is_a_list_of_five_rows_within_the_cloud_api_limits():
    body = csat.list_message_body("5216630000000", SURVEY)
    assert body["type"] == "interactive" and body["to"] == "5216630000000"
    interactive = body["interactive"]
    assert interactive["type"] == "list"  # a "button" message takes at most 3 reply buttons
    assert len(csat.SCORES) > csat.MAX_REPLY_BUTTONS
    rows = [row for section in interactive["action"]["sections"] for row in section["rows"]]
    assert len(rows) == 5 <= csat.MAX_ROWS
    assert [csat.parse_row_id(row["id"]) for row in rows] == [(SURVEY, s) for s in (5, 4, 3, 2, 1)]
    assert all(len(row["title"]) <= csat.MAX_ROW_TITLE and len(row["id"]) <= csat.MAX_ROW_ID for row in rows)
    assert len(interactive["action"]["button"]) <= csat.MAX_BUTTON
    assert len(interactive["header"]["text"]) <= csat.MAX_HEADER
    assert len(interactive["footer"]["text"]) <= csat.MAX_FOOTER
    assert len(interactive["body"]["text"]) <= csat.MAX_BODY


@pytest.mark.parametrize("value", [None, 5, "", "csat:" + SURVEY, f"csat:{SURVEY}:6", f"csat:{SURVEY}:0",
                                   f"csat:{SURVEY[:-1]}:5", f"csat:{SURVEY.upper()}:5", f"csat:{SURVEY}:5 ",
                                   'csat:{"$gt":""}:5', f"x-csat:{SURVEY}:5"])
def test_only_well_formed_row_ids_name_a_survey(value):
    assert csat.parse_row_id(value) is None


def test_a_row_of_the_pending_survey_scores_it_without_reopening():
    assert csat.answer(picked(csat.row_id(SURVEY, 4)), "resolved", PENDING) == csat.Answer(True, 4, SURVEY)
    assert csat.answer(picked(csat.row_id(SURVEY, 2), kind="button_reply"), "open", PENDING) == csat.Answer(
        True, 2, SURVEY)  # reopened meanwhile by another message: still its answer, still no reopen


def test_a_row_of_another_or_an_answered_survey_is_kept_but_scores_nothing_and_does_not_reopen():
    assert csat.answer(picked(csat.row_id(OTHER, 5)), "resolved", PENDING) == csat.Answer(True, None, OTHER)
    assert csat.answer(picked(csat.row_id(SURVEY, 1)), "resolved", ANSWERED) == csat.Answer(True, None, SURVEY)
    assert csat.answer(picked(csat.row_id(SURVEY, 1)), "resolved", None) == csat.Answer(True, None, SURVEY)


@pytest.mark.parametrize("body,score", [("5", 5), (" 3 ", 3), ("4/5", 4), ("4 / 5", 4), ("2 de 5", 2), ("1.", 1),
                                        ("5!", 5)])
def test_a_bare_number_answers_a_pending_survey_of_a_resolved_conversation(body, score):
    assert csat.answer(text(body), "resolved", PENDING) == csat.Answer(True, score, SURVEY)


@pytest.mark.parametrize("body", ["6", "0", "55", "5 pero nadie me contestó", "tengo 5 expedientes", "", "cinco",
                                  "-5", "5.5"])
def test_anything_else_is_a_new_query(body):
    assert csat.answer(text(body), "resolved", PENDING) == csat.NOT_AN_ANSWER


def test_a_number_answers_only_a_pending_survey_of_a_resolved_conversation():
    assert csat.answer(text("5"), "open", PENDING) == csat.NOT_AN_ANSWER      # a reply to the agent's question
    assert csat.answer(text("5"), "resolved", ANSWERED) == csat.NOT_AN_ANSWER  # answered once already
    assert csat.answer(text("5"), "resolved", None) == csat.NOT_AN_ANSWER
    assert csat.answer(text("5"), "resolved", {**PENDING, "status": "skipped"}) == csat.NOT_AN_ANSWER


def test_the_templates_quick_reply_answers_by_its_leading_number():
    assert csat.answer(quick_reply("3 - Regular", "3 - Regular"), "resolved", PENDING) == csat.Answer(True, 3, SURVEY)
    assert csat.answer(quick_reply("boton_5", "5"), "resolved", PENDING) == csat.Answer(True, 5, SURVEY)
    assert csat.answer(quick_reply("otra", "Hablar con alguien"), "resolved", PENDING) == csat.NOT_AN_ANSWER
    assert csat.answer(quick_reply("10", "10"), "resolved", PENDING) == csat.NOT_AN_ANSWER


def test_the_survey_template_must_be_configured_without_parameters():
    assert ChatSettings({}).survey_template() == {"name": "encuesta_satisfaccion", "language": "es_MX"}
    assert ChatSettings({"CHAT_CSAT_TEMPLATE": "none"}).survey_template() is None
    for name in ("seguimiento_consulta", "no_existe"):  # one parameter; not configured
        with pytest.raises(ConfigurationError) as refused:
            ChatSettings({"CHAT_CSAT_TEMPLATE": name})
        assert "CHAT_CSAT_TEMPLATE" in str(refused.value)
