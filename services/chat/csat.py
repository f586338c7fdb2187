"""The satisfaction survey (CSAT) as plain rules, no I/O: what is sent when a conversation is resolved, and
which inbound message answers it.

**Why a list and not reply buttons.** The survey asks for a score from 1 to 5. WhatsApp Cloud API's
``interactive`` message of type ``button`` takes at most 3 reply buttons, so five buttons are refused by the
API; a message of type ``list`` takes up to 10 rows (titles up to 24 characters, ids up to 200, the button
that opens it up to 20, the footer up to 60). The survey is one ``list`` message with five rows; the user's
choice arrives as an ``interactive`` ``list_reply`` with the row's id. ``button_reply`` ids of the same form
are understood too (a client may send them), and so is a plain text that is only the number ("5").

**Outside the 24-hour window** no interactive message can be sent: the configured approved template
(``CHAT_CSAT_TEMPLATE``) is sent instead. Its quick-reply buttons (if the approved template has them) come
back as a ``button`` message whose text starts with the score ("5 - Excelente"); a typed number counts too.

**An answer is not a new question.** A reply naming one of our survey rows (``csat:<survey_id>:<score>``)
never reopens the conversation: it scores the survey it names if that survey is the conversation's current
one and still unanswered, and otherwise (an old survey, a second tap) it is kept as a message and nothing
more. A bare number, or a quick-reply button of the template, answers only a survey still pending on a
resolved conversation; any other message is a new query and reopens it.
"""
import re
from dataclasses import dataclass
from typing import Optional

SCORES = (1, 2, 3, 4, 5)
ROW_TITLES = {5: "5 - Excelente", 4: "4 - Buena", 3: "3 - Regular", 2: "2 - Mala", 1: "1 - Muy mala"}
HEADER = "Encuesta de satisfacción"
BODY = ("Su conversación con el CHAT PJBC quedó resuelta. ¿Cómo califica la atención que recibió? "
        "Elija una opción, o responda con un número del 1 (muy mala) al 5 (excelente).")
BUTTON = "Calificar"
SECTION = "Calificación"
FOOTER = "Poder Judicial del Estado de Baja California"
# Meta's limits for a list message (Cloud API, interactive list messages)
MAX_ROWS, MAX_ROW_TITLE, MAX_ROW_ID, MAX_BUTTON, MAX_HEADER, MAX_FOOTER, MAX_BODY = 10, 24, 200, 20, 60, 60, 4096
MAX_REPLY_BUTTONS = 3  # why this is not a ``button`` message

SENT, ANSWERED = "sent", "answered"
INTERACTIVE, TEMPLATE = "interactive", "template"

_ROW_ID = re.compile(r"^csat:([0-9a-f]{32}):([1-5])$")
_BARE_SCORE = re.compile(r"^\s*([1-5])\s*(?:/\s*5|de\s+5)?\s*[.!]*\s*$", re.IGNORECASE)
_TITLE_SCORE = re.compile(r"^\s*([1-5])(?![0-9])")


def row_id(survey_id: str, score: int) -> str:
    return f"csat:{survey_id}:{score}"


def parse_row_id(value) -> Optional[tuple]:
    """(survey_id, score) of one of our survey rows, or None."""
    match = _ROW_ID.match(value) if isinstance(value, str) else None
    return (match.group(1), int(match.group(2))) if match else None


def list_message_body(wa_id: str, survey_id: str) -> dict:
    """The Graph API request of the survey within the window: an interactive ``list`` with five rows."""
    rows = [{"id": row_id(survey_id, score), "title": ROW_TITLES[score]} for score in sorted(SCORES, reverse=True)]
    return interactive_message_body(wa_id, {
        "type": "list", "header": {"type": "text", "text": HEADER}, "body": {"text": BODY}, "footer": {"text": FOOTER},
        "action": {"button": BUTTON, "sections": [{"title": SECTION, "rows": rows}]}})


def interactive_message_body(wa_id: str, interactive: dict) -> dict:
    """The Graph API request that sends a stored interactive object (the survey's list)."""
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": wa_id, "type": "interactive",
            "interactive": interactive}


def survey_text(via: str, template_name: Optional[str] = None) -> str:
    """What the inbox shows of the survey sent."""
    if via == TEMPLATE:
        return f"[Encuesta de satisfacción: plantilla {template_name}]"
    return f"[Encuesta de satisfacción] {BODY}"


@dataclass(frozen=True)
class Answer:
    """What an inbound message means for the survey: ``survey``: it is an answer (the conversation is not
    reopened); ``score``: the score to store (None: kept as a message only); ``survey_id``: the survey it
    answers (the one its row names, or the pending one)."""
    survey: bool
    score: Optional[int]
    survey_id: Optional[str] = None


NOT_AN_ANSWER = Answer(False, None)


def answer(record: dict, status: str, csat: Optional[dict]) -> Answer:
    """Whether the inbound message ``record`` (``domain.message_record``) answers the survey ``csat`` of a
    conversation in ``status`` (``csat``: the conversation's current survey, or None)."""
    pending = bool(csat) and csat.get("status") == SENT and csat.get("score") is None
    reply = record.get("reply") or {}
    named = parse_row_id(reply.get("id"))
    if named is not None:
        survey_id, score = named
        scores = pending and csat.get("survey_id") == survey_id
        return Answer(True, score if scores else None, survey_id)
    if not pending or status != "resolved":
        return NOT_AN_ANSWER
    if record.get("type") == "text":
        match = _BARE_SCORE.match(record.get("text") or "")
        return Answer(True, int(match.group(1)), csat["survey_id"]) if match else NOT_AN_ANSWER
    if record.get("type") == "button" or reply.get("kind") in ("button_reply", "list_reply"):
        for value in (reply.get("title"), reply.get("id")):
            match = _TITLE_SCORE.match(value) if isinstance(value, str) else None
            if match:
                return Answer(True, int(match.group(1)), csat["survey_id"])
    return NOT_AN_ANSWER
