"""The chat's web channel as plain rules: a lawyer's message as an inbound record, no 24-hour window, replies that
never go to the Graph API's send queue, what staff and the lawyer see, the line it belongs to, and retention."""
import datetime

import pytest

from services.chat import domain, views
from services.chat.settings import DEV_LINES, ChatSettings
from services.chat.store.outbound import needs_sending, outbound_message
from services.runtime.config import ConfigurationError

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
LAWYER = {"sub": "abogada.web", "role": "lawyer", "name": "Lcda. Web", "bar_number": "31416"}
LINES = {line["phone_number_id"]: line for line in DEV_LINES}
LINE = DEV_LINES[0]["phone_number_id"]


def web_conversation(**extra):
    return {"_id": "c1", "line": LINE, "wa_id": "web:abogada.web", "channel": "web",
            "lawyer": domain.web_lawyer(LAWYER), "contact": {"wa_id": "web:abogada.web", "name": "Lcda. Web"},
            "status": "open", "assignee": None, "labels": [], "created_at": NOW, "last_message_at": NOW,
            "last_user_message_at": NOW - datetime.timedelta(days=3), **extra}


def test_a_conversation_stored_before_channels_existed_is_whatsapp_s():
    assert domain.channel_of({}) == domain.channel_of(None) == "whatsapp"
    assert domain.channel_of({"channel": "web"}) == "web"
    assert domain.is_web(web_conversation()) and not domain.is_web({"line": LINE})


def test_a_lawyer_s_message_is_an_inbound_text_keyed_by_their_account():
    record = domain.web_message_record(LAWYER, "Hola\x00\x07 <b>tribunal</b>\n", "m1", NOW)
    assert record["wamid"] == "web:m1" and record["wa_id"] == "web:abogada.web" == domain.web_contact_id("abogada.web")
    assert record["text"] == "Hola <b>tribunal</b>\n"  # control characters dropped; HTML kept as text
    assert (record["type"], record["known"], record["channel"], record["at"]) == ("text", True, "web", NOW)
    assert record["media"] is None and record["raw"] is None
    assert domain.web_lawyer(LAWYER) == {"sub": "abogada.web", "name": "Lcda. Web", "bar_number": "31416"}


def test_the_web_channel_has_no_24_hour_window():
    assert domain.reply_window_open(web_conversation(), NOW)
    assert domain.reply_window_open(web_conversation(last_user_message_at=None), NOW)
    whatsapp = {"last_user_message_at": NOW - datetime.timedelta(hours=25)}
    assert not domain.reply_window_open(whatsapp, NOW)
    assert domain.reply_window_open({"last_user_message_at": NOW - datetime.timedelta(hours=1)}, NOW)


def test_a_reply_on_the_web_is_delivered_as_stored_and_never_queued_for_whatsapp():
    reply = outbound_message(web_conversation(), {"sub": "agente", "name": "Agente"}, "Respuesta", NOW)
    assert (reply["status"], reply["channel"], reply["status_at"]) == ("delivered", "web", {"delivered": NOW})
    assert not needs_sending(reply)
    automatic = outbound_message(web_conversation(), None, "Fuera de horario", NOW, automatic="out_of_office")
    assert not needs_sending(automatic)
    whatsapp = outbound_message({"_id": "c2", "line": LINE, "wa_id": "5216861234567"}, None, "Hola", NOW)
    assert whatsapp["status"] == "queued" and "channel" not in whatsapp and needs_sending(whatsapp)


def test_staff_see_the_channel_and_the_lawyer_who_wrote():
    summary = views.conversation_summary(web_conversation(), LINES, NOW)
    assert summary["channel"] == "web" and summary["window_open"] is True and summary["window_closes_at"] is None
    assert views.conversation_lawyer(web_conversation(), None) == {"name": "Lcda. Web", "bar_number": "31416"}
    # on WhatsApp, only a number linked by the lawyer names them; a "lawyer" field there would be ignored
    link = {"name": "Lic. Vinculado", "bar_number": "1"}
    assert views.conversation_lawyer({"wa_id": "5216861234567"}, link) == link
    assert views.conversation_lawyer({"wa_id": "5216861234567", "lawyer": {"bar_number": "2"}}, None) is None
    whatsapp = views.conversation_summary({**web_conversation(), "channel": None}, LINES, NOW)
    assert whatsapp["channel"] == "whatsapp" and whatsapp["window_open"] is False


def test_the_lawyer_sees_only_who_wrote_the_text_and_when():
    mine = {"_id": "m1", "direction": "in", "text": "Consulta", "at": NOW, "author": None,
            "classification": {"label": "queja", "cues": ["nadie contesta"]}}
    reply = {"_id": "m2", "direction": "out", "text": "Respuesta", "at": NOW, "author": {"sub": "ag", "name": "Ag"},
             "automatic": None, "status": "delivered"}
    automatic = {**reply, "_id": "m3", "author": None, "automatic": "out_of_office"}
    view = views.web_conversation_view(web_conversation(), [mine, reply, automatic])
    assert view == {"conversation_id": "c1", "messages": [
        {"message_id": "m1", "author": "lawyer", "text": "Consulta", "at": "2026-03-10T15:00:00.000Z",
         "automatic": False},
        {"message_id": "m2", "author": "court", "text": "Respuesta", "at": "2026-03-10T15:00:00.000Z",
         "automatic": False},
        {"message_id": "m3", "author": "court", "text": "Respuesta", "at": "2026-03-10T15:00:00.000Z",
         "automatic": True}]}
    assert views.web_conversation_view(None, []) == {"conversation_id": None, "messages": []}


def test_the_web_line_is_a_configured_line_by_default_the_linking_one():
    assert ChatSettings({}).web_line == ChatSettings({}).link_line == LINE
    other = DEV_LINES[1]["phone_number_id"]
    assert ChatSettings({"CHAT_WEB_LINE": other}).web_line == other
    assert ChatSettings({"CHAT_LINK_LINE": other}).web_line == other
    with pytest.raises(ConfigurationError):
        ChatSettings({"CHAT_WEB_LINE": "999"})


def test_retention_keeps_the_channel_and_erases_the_lawyer():
    update = domain.erased_shell(web_conversation(), {}, NOW)
    assert "channel" not in update["$unset"] and "lawyer" in update["$unset"] and "contact" in update["$unset"]
    assert update["$set"]["wa_id"] == "erased:c1"


def test_a_web_conversation_s_key_names_its_lawyer_and_no_other_key_does():
    assert domain.web_sub(domain.web_contact_id("abogada.web")) == "abogada.web"
    for key in ("5216861234567", "erased:c1", "web:", None, 42):
        assert domain.web_sub(key) is None
