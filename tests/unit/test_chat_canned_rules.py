"""Canned responses: how a reply's text that starts with /shortcode is read and what is sent in its place
(``services.chat.domain``), and what the contracts accept as a shortcode and as a canned text."""
import pytest

from contracts.base import load
from contracts.chat import CannedResponseRequestSchema, CannedResponseUpdateSchema, ReplyRequestSchema
from services.chat import domain
from services.runtime.errors import ValidationFailed

CANNED = "Nuestro horario es de lunes a viernes de 8:00 a 15:00."


@pytest.mark.parametrize("text,kind,shortcode,rest", [
    ("/horario", domain.SHORTCODE, "horario", ""),
    ("/horario Gracias por escribir.", domain.SHORTCODE, "horario", " Gracias por escribir."),
    ("/horario\nSu expediente: 01001-2026-00012", domain.SHORTCODE, "horario", "\nSu expediente: 01001-2026-00012"),
    ("/horario   ", domain.SHORTCODE, "horario", ""),  # only blanks after it: dropped
    ("/2024-plazos", domain.SHORTCODE, "2024-plazos", ""),
    ("/a_b-c", domain.SHORTCODE, "a_b-c", ""),
    ("/" + "a" * 32, domain.SHORTCODE, "a" * 32, ""),
    ("Hola /horario", domain.PLAIN, None, "Hola /horario"),
    (" /horario", domain.PLAIN, None, " /horario"),  # the first character decides
    ("//horario", domain.ESCAPED, None, "/horario"),
    ("//", domain.ESCAPED, None, "/"),
    ("/Horario", domain.NOT_A_SHORTCODE, "Horario", ""),
    ("/", domain.NOT_A_SHORTCODE, "", ""),
    ("/ hola", domain.NOT_A_SHORTCODE, "", " hola"),
    ("/¿horario?", domain.NOT_A_SHORTCODE, "¿horario?", ""),
    ("/_horario", domain.NOT_A_SHORTCODE, "_horario", ""),
    ("/horario.", domain.NOT_A_SHORTCODE, "horario.", ""),
    ("/" + "a" * 33, domain.NOT_A_SHORTCODE, "a" * 33, ""),
    ("/<script>alert(1)</script>", domain.NOT_A_SHORTCODE, "<script>alert(1)</script>", ""),
])
def test_how_a_reply_starts(text, kind, shortcode, rest):
    shortcut = domain.reply_shortcut(text)
    assert (shortcut.kind, shortcut.shortcode, shortcut.rest) == (kind, shortcode, rest)


def test_what_follows_a_slash_that_is_no_shortcode_is_quoted_back_cut():
    assert domain.reply_shortcut("/" + "X" * 500).shortcode == "X" * 40


@pytest.mark.parametrize("text,sent", [
    ("/horario", CANNED),
    ("/horario Gracias.", CANNED + " Gracias."),
    ("/horario\n\nSu audiencia es el lunes.", CANNED + "\n\nSu audiencia es el lunes."),
    ("/horario \t ", CANNED),
    ("Sin atajo <b>tal cual</b>", "Sin atajo <b>tal cual</b>"),
    ("//horario no es un atajo", "/horario no es un atajo"),
])
def test_what_is_sent(text, sent):
    assert domain.expanded_text(domain.reply_shortcut(text), CANNED) == sent


def test_the_expanded_text_must_fit_whatsapps_limit():
    assert domain.expansion_problem("x" * domain.MAX_TEXT) is None
    problem = domain.expansion_problem("x" * (domain.MAX_TEXT + 1))
    assert "4097 caracteres" in problem and "4096" in problem


@pytest.mark.parametrize("shortcode", ["horario", "a", "0", "2024", "plazo-amparo", "pago_en_linea", "a" * 32])
def test_valid_shortcodes(shortcode):
    assert domain.is_shortcode(shortcode)
    assert load(CannedResponseRequestSchema(), {"shortcode": shortcode, "text": CANNED})["shortcode"] == shortcode


@pytest.mark.parametrize("shortcode", ["", "Horario", "horário", "_x", "-x", "a b", "a/b", "a" * 33, "horario\n",
                                       "<b>", "ñandú", 5, None, ["horario"], {"$ne": ""}])
def test_invalid_shortcodes(shortcode):
    assert not domain.is_shortcode(shortcode)
    with pytest.raises(ValidationFailed) as refused:
        load(CannedResponseRequestSchema(), {"shortcode": shortcode, "text": CANNED})
    assert "shortcode" in refused.value.details["fields"]


@pytest.mark.parametrize("text", [CANNED, "Horario: *lunes a viernes*, _8:00 a 15:00_.", "x" * 1024,
                                  "  con espacios al inicio", "Línea 1\nLínea 2", "1 + 1 = 2 & 3 ≥ 2", "Vea 1/2"])
def test_valid_canned_texts(text):
    assert load(CannedResponseUpdateSchema(), {"text": text})["text"] == text


@pytest.mark.parametrize("text", ["", "   \n", "x" * 1025, "hola\x00", "<b>Horario</b>", "<script>alert(1)</script>",
                                  "plazo > 3 días", "a < b", "/horario", "  /otro", 5, None, ["texto"], {"$ne": ""}, "\ud800"])
def test_invalid_canned_texts(text):
    with pytest.raises(ValidationFailed) as refused:
        load(CannedResponseUpdateSchema(), {"text": text})
    assert "text" in refused.value.details["fields"]


def test_a_canned_text_refuses_markup_with_a_spanish_reason_and_no_other_field_is_accepted():
    with pytest.raises(ValidationFailed) as refused:
        load(CannedResponseUpdateSchema(), {"text": "<b>hola</b>"})
    assert "< ni >" in refused.value.details["fields"]["text"]
    with pytest.raises(ValidationFailed) as refused:
        load(CannedResponseUpdateSchema(), {"text": "hola", "shortcode": "otro"})
    assert "shortcode" in refused.value.details["fields"]


def test_a_reply_still_takes_any_text_the_shortcut_rule_reads_it_afterwards():
    """The schema does not know the stored shortcodes: /anything passes it; the service expands or refuses."""
    assert load(ReplyRequestSchema(), {"text": "/horario"})["text"] == "/horario"
