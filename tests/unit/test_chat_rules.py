"""The chat's rules without a database: webhook signatures, the payload's shape, what each message type shows,
message statuses, send errors, the 24-hour window, snoozes and assignment; and its settings."""
import datetime

import pytest

from services.chat import domain
from services.chat.settings import ChatSettings, DEV_LINES
from services.runtime.config import ConfigurationError
from services.runtime.signatures import sign, valid_signature

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 12, 6, 18, 0, tzinfo=UTC)


# --- signatures --------------------------------------------------------------------------------------------------
def test_signature_is_the_hmac_of_the_raw_body():
    raw = b'{"object":"whatsapp_business_account"}'
    header = sign("secreto", raw)
    assert header.startswith("sha256=") and len(header) == 7 + 64
    assert valid_signature("secreto", raw, header)
    assert valid_signature("secreto", raw, header.upper().replace("SHA256=", "sha256="))  # hex in any case
    assert not valid_signature("otro", raw, header)
    assert not valid_signature("secreto", raw + b" ", header)
    for bad in (None, "", "sha256=", header[:-1], "sha1=" + header[7:47], header[7:], 5, ["x"]):
        assert not valid_signature("secreto", raw, bad)
    assert not valid_signature("", raw, sign("", raw))  # no secret configured: nothing is valid


# --- the payload's shape ------------------------------------------------------------------------------------------
def envelope(value, field="messages"):
    return {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": field,
                                                                                      "value": value}]}]}


def test_a_well_formed_payload_has_no_problems_whatever_its_unknown_fields():
    value = {"messaging_product": "whatsapp", "metadata": {"phone_number_id": "1", "display_phone_number": "52"},
             "contacts": [{"wa_id": "521", "profile": {"name": "Ana"}, "nuevo": 1}],
             "messages": [{"id": "wamid.1", "from": "521", "type": "algo_nuevo", "algo_nuevo": {}}],
             "statuses": [{"id": "wamid.2", "status": "deleted"}], "campo_futuro": True}
    assert domain.webhook_problems(envelope(value)) == {}
    assert domain.webhook_problems(envelope({"event": "APPROVED"}, "message_template_status_update")) == {}


@pytest.mark.parametrize("payload,field", [
    ([], "body"), ({"object": "page"}, "object"), ({"object": "whatsapp_business_account"}, "entry"),
    ({"object": "whatsapp_business_account", "entry": [{}]}, "entry.0.changes"),
    (envelope([]), "entry.0.changes.0.value"),
    (envelope({"metadata": {}}), "entry.0.changes.0.value.metadata.phone_number_id"),
    (envelope({"metadata": {"phone_number_id": "1"}, "messages": [{"id": "x", "from": "1"}]}),
     "entry.0.changes.0.value.messages.0"),
    (envelope({"metadata": {"phone_number_id": "1"}, "statuses": "read"}), "entry.0.changes.0.value.statuses"),
])
def test_bodies_meta_would_never_send_name_their_problem(payload, field):
    assert field in domain.webhook_problems(payload)


# --- what a message shows -----------------------------------------------------------------------------------------
def test_message_time_is_the_payloads_but_never_after_it_arrived():
    assert domain.message_instant({"timestamp": str(int(NOW.timestamp()) - 60)}, NOW) == NOW - datetime.timedelta(
        seconds=60)
    assert domain.message_instant({"timestamp": str(int(NOW.timestamp()) + 3600)}, NOW) == NOW
    for bad in (None, "ayer", "1e99", "99999999999999999999"):
        assert domain.message_instant({"timestamp": bad}, NOW) == NOW


def test_text_is_kept_as_written_without_control_characters():
    record = domain.message_record({"id": "w", "from": "521", "type": "text",
                                    "text": {"body": "<b>hola</b>\x00\x1b\n\tfin"}}, NOW)
    assert record["text"] == "<b>hola</b>\n\tfin" and record["known"]
    assert domain.message_record({"id": "w", "from": "1", "type": "text", "text": {"body": "x" * 5000}},
                                 NOW)["text"] == "x" * 4096


def test_malformed_parts_of_known_types_never_fail():
    for kind, content in (("text", "no es objeto"), ("image", None), ("location", {"latitude": "norte"}),
                          ("contacts", "x"), ("interactive", {"type": 5}), ("button", [])):
        record = domain.message_record({"id": "w", "from": "1", "type": kind, kind: content}, NOW)
        assert isinstance(record["text"], str)


def test_the_original_message_is_kept_as_json_text():
    record = domain.message_record({"id": "w", "from": "1", "type": "x", "$where": {"a.b": 1}}, NOW)
    assert '"$where":{"a.b":1}' in record["raw"]


# --- statuses --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("current,reported,result", [
    ("queued", "sent", "sent"), ("sent", "delivered", "delivered"), ("sent", "read", "read"),
    ("delivered", "read", "read"), ("read", "delivered", None), ("read", "sent", None), ("delivered", "sent", None),
    ("sent", "failed", "failed"), ("queued", "failed", "failed"), ("delivered", "failed", None),
    ("read", "failed", None), ("failed", "read", None), ("sent", "deleted", None), ("received", "read", None),
])
def test_statuses_only_move_forward(current, reported, result):
    assert domain.advance(current, reported) == result


def test_a_failed_status_tells_the_agent_why():
    assert domain.status_failure_reason([{"code": 131047, "title": "x"}])["reason"].startswith("Pasaron más de 24")
    assert "131999" in domain.status_failure_reason([{"code": 131999}])["reason"]
    assert domain.status_failure_reason([])["code"] is None


# --- send errors ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("http_status,code,retry", [
    (400, 130429, True), (429, 130429, True), (400, 131056, True), (500, None, True), (503, 131000, True), (400, 131000, False),
    (502, None, True), (None, None, True), (400, 131047, False), (400, 131026, False), (401, 190, False),
    (400, 100, False), (404, None, False), (429, None, True),
])
def test_what_a_send_error_means(http_status, code, retry):
    outcome = domain.send_failure(http_status, code)
    assert outcome.retry is retry and outcome.reason and outcome.code == code


def test_outside_the_window_per_whatsapp_is_explained_in_spanish():
    assert "plantilla" in domain.send_failure(400, 131047).reason


# --- the window, snoozes, assignment -------------------------------------------------------------------------------------
def test_the_24_hour_window():
    assert not domain.window_open(None, NOW)
    assert domain.window_open(NOW - datetime.timedelta(hours=23, minutes=59), NOW)
    assert not domain.window_open(NOW - datetime.timedelta(hours=24), NOW)
    assert domain.window_closes_at(NOW) == NOW + datetime.timedelta(hours=24)


def test_a_user_message_reopens_only_snoozed_and_resolved():
    assert [domain.status_after_user_message(s) for s in domain.CONVERSATION_STATUSES] == [
        "open", "pending", "open", "open"]


def test_snooze_rules():
    assert domain.snooze_problem("snoozed", None, NOW) is None
    assert domain.snooze_problem("snoozed", NOW + datetime.timedelta(days=1), NOW) is None
    assert domain.snooze_problem("snoozed", NOW, NOW)
    assert domain.snooze_problem("snoozed", NOW + datetime.timedelta(days=91), NOW)
    assert domain.snooze_problem("open", NOW + datetime.timedelta(days=1), NOW)


def test_who_may_assign():
    agent = {"sub": "ana", "role": "chat_agent"}
    supervisor = {"sub": "sofia", "role": "chat_supervisor"}
    assert domain.may_assign(agent, None, "ana") and domain.may_assign(agent, "ana", "ana")
    assert domain.may_assign(agent, "ana", None)
    assert not domain.may_assign(agent, "luis", "ana") and not domain.may_assign(agent, None, "luis")
    assert not domain.may_assign(agent, "luis", None) and not domain.may_assign(agent, None, None)
    assert domain.may_assign(supervisor, "luis", "ana") and domain.may_assign(supervisor, "luis", None)
    assert not domain.may_assign({"sub": "x", "role": "admin"}, None, "x")


# --- settings ---------------------------------------------------------------------------------------------------------------
def test_development_defaults():
    settings = ChatSettings({})
    assert list(settings.lines) == [line["phone_number_id"] for line in DEV_LINES]
    assert {line["region"] for line in settings.lines.values()} == {"Mexicali", "Tijuana", "Ensenada"}
    assert all(line["time_zone"] == "America/Tijuana" for line in settings.lines.values())
    assert settings.graph_url == "https://graph.facebook.com" and settings.api_version == "v21.0"
    assert settings.app_secret and settings.verify_token and settings.access_token


@pytest.mark.parametrize("missing", ["WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN", "WHATSAPP_ACCESS_TOKEN"])
def test_production_refuses_to_start_without_the_three_secrets(missing):
    config = {"PORTAL_ENV": "production", "WHATSAPP_APP_SECRET": "a" * 32, "WHATSAPP_VERIFY_TOKEN": "v" * 20,
              "WHATSAPP_ACCESS_TOKEN": "t" * 40}
    assert ChatSettings(config).app_secret == "a" * 32
    with pytest.raises(ConfigurationError, match=missing):
        ChatSettings({**config, missing: ""})


@pytest.mark.parametrize("key,value", [
    ("WHATSAPP_LINES", "no json"), ("WHATSAPP_LINES", "[]"),
    ("WHATSAPP_LINES", '[{"phone_number_id": "12a", "display_number": "1", "region": "r", "team": "t", '
                       '"time_zone": "America/Tijuana"}]'),
    ("WHATSAPP_LINES", '[{"phone_number_id": "1", "display_number": "1", "region": "r", "team": "t", '
                       '"time_zone": "Marte/Olympus"}]'),
    ("WHATSAPP_TEMPLATES", '[{"name": "Con Mayúsculas", "language": "es_MX", "parameters": 0}]'),
    ("WHATSAPP_GRAPH_URL", "ftp://x"), ("WHATSAPP_API_VERSION", "21"), ("CHAT_SEND_MAX_ATTEMPTS", "0"),
])
def test_a_bad_setting_refuses_to_start_naming_the_key(key, value):
    with pytest.raises(ConfigurationError, match=key):
        ChatSettings({key: value})


# --- auto-assignment ---------------------------------------------------------------------------------------------------
def slot(sub, presence="online", teams=("tijuana",), capacity=2, load=0, minutes_ago=None):
    last = NOW - datetime.timedelta(minutes=minutes_ago) if minutes_ago is not None else None
    return domain.AgentSlot(sub, presence, tuple(teams), capacity, load, last)


def test_round_robin_takes_the_agent_assigned_longest_ago_within_capacity():
    agents = [slot("ana", minutes_ago=1), slot("luis", minutes_ago=10), slot("eva", load=2, minutes_ago=60),
              slot("raul", presence="away"), slot("sol", teams=("mexicali",))]
    assert domain.pick_agent("tijuana", agents).sub == "luis"
    assert domain.pick_agent("tijuana", agents + [slot("zoe")]).sub == "zoe"  # never assigned goes first
    assert domain.pick_agent("ensenada", agents) is None


def test_a_queue_is_shared_in_turns_and_waits_when_everyone_is_full():
    agents = [slot("ana", capacity=1), slot("luis", capacity=2, minutes_ago=5)]
    waiting = [("c1", "L1", None), ("c2", "L1", None), ("c3", "L1", None), ("c4", "L1", None), ("c5", "L2", None)]
    plan = domain.assign_queue(waiting, {"L1": "tijuana", "L2": "ensenada"}, agents, NOW)
    assert plan == [("c1", "ana"), ("c2", "luis"), ("c3", "luis")]  # c4 waits: both full; c5: nobody in its team
    moved = domain.assign_queue([("c6", "L2", "tijuana")], {"L2": "ensenada"}, agents, NOW)
    assert moved == [("c6", "ana")]  # transferred to tijuana: tijuana's agents take it


# --- transfers ----------------------------------------------------------------------------------------------------
LINES = {line["phone_number_id"]: line for line in DEV_LINES}
AREAS = ["ensenada", "mexicali", "quejas", "tijuana"]


def test_a_transfer_to_a_line_goes_to_its_team_and_to_an_area_to_that_area():
    tijuana = DEV_LINES[1]["phone_number_id"]
    assert domain.transfer_destination(tijuana, None, LINES, AREAS) == {"line": tijuana, "area": None,
                                                                        "team": "tijuana"}
    assert domain.transfer_destination(None, "quejas", LINES, AREAS) == {"line": None, "area": "quejas",
                                                                         "team": "quejas"}
    assert domain.transfer_destination(None, "mexicali", LINES, AREAS)["team"] == "mexicali"
    # not configured: None (the service answers with the valid choices)
    assert domain.transfer_destination("199999", None, LINES, AREAS) is None
    assert domain.transfer_destination(None, "rosarito", LINES, AREAS) is None
    assert domain.transfer_destination(None, None, LINES, AREAS) is None


@pytest.mark.parametrize("body,valid", [
    ({"line": "100000000000002"}, True), ({"area": "quejas"}, True),
    ({}, False), ({"line": "100000000000002", "area": "quejas"}, False), ({"team": "tijuana"}, False),
    ({"line": "tijuana"}, False), ({"area": "Quejas"}, False), ({"line": None}, False), ({"area": ""}, False),
])
def test_a_transfer_request_names_exactly_one_of_line_and_area(body, valid):
    from marshmallow import ValidationError

    from contracts.chat import TransferRequestSchema
    if valid:
        assert TransferRequestSchema().load(body) == body
        return
    with pytest.raises(ValidationError) as caught:
        TransferRequestSchema().load(body)
    if set(body) in ({"line", "area"}, set()):
        assert caught.value.messages == {"line": ["Indique line (una línea) o area (un área), uno de los dos."]}


def test_the_chat_areas_include_the_configured_complaints_area():
    assert ChatSettings({}).areas() == AREAS
    settings = ChatSettings({"CHAT_COMPLAINTS_AREA": "atencion-quejas"})
    assert settings.complaints_area == "atencion-quejas" and "atencion-quejas" in settings.areas()
    for bad in ("Quejas", "con espacio", "x" * 65):
        with pytest.raises(ConfigurationError):
            ChatSettings({"CHAT_COMPLAINTS_AREA": bad})


# --- complaints ------------------------------------------------------------------------------------------------------
def test_a_complaint_is_flagged_with_priority_and_the_flags_follow_the_labels():
    assert domain.complaint_flags(True) == {"complaint": True, "priority": True}
    assert domain.complaint_flags(0) == {"complaint": False, "priority": None}  # sorts with those never flagged


def test_a_complaint_is_routed_to_the_complaints_area_once_per_conversation():
    earlier = NOW - datetime.timedelta(hours=2)
    # the first complaint: to the area; nobody had it, so it simply waits there
    assert domain.complaint_route(None, False, None, "quejas", NOW) == {"team": "quejas", "area": "quejas",
                                                                        "complaint_routed_at": NOW}
    # its agent is not in the area's team: unassigned, waiting from now in the area's queue
    assert domain.complaint_route(None, False, ("tijuana",), "quejas", NOW) == {
        "team": "quejas", "area": "quejas", "complaint_routed_at": NOW, "assignee": None, "waiting_since": NOW}
    # an agent of the area keeps it; a configured area of another name
    assert "assignee" not in domain.complaint_route(None, False, ("tijuana", "quejas"), "quejas", NOW)
    assert domain.complaint_route(None, False, None, "atencion", NOW)["team"] == "atencion"
    # routed before: a later complaint (or staff correction) does not move it again, wherever staff put it since
    assert domain.complaint_route(earlier, False, ("tijuana",), "quejas", NOW) == {}
    # a complaint that reopens a resolved conversation is a new matter: routed again
    assert domain.complaint_route(earlier, True, None, "quejas", NOW)["complaint_routed_at"] == NOW
    # an area nobody staffs does not take it (it would wait unseen): it stays where it is, not marked routed, so a
    # later complaint routes it once the area has staff; its agent keeps it
    assert domain.complaint_route(None, False, None, "quejas", NOW, area_staffed=False) == {}
    assert domain.complaint_route(None, False, ("tijuana",), "quejas", NOW, area_staffed=False) == {}
    assert domain.complaint_route(earlier, True, None, "quejas", NOW, area_staffed=False) == {}


def test_the_gateway_refuses_to_start_in_production_without_the_webhook_secrets():
    from gateway.webhooks import resolve
    from services.runtime.config import Settings

    good = {"PORTAL_ENV": "production", "WHATSAPP_APP_SECRET": "s" * 32, "WHATSAPP_VERIFY_TOKEN": "v" * 24}
    secrets = resolve(Settings(good))
    assert secrets.app_secret == "s" * 32 and secrets.verify_token == "v" * 24
    for missing in ("WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN"):
        with pytest.raises(RuntimeError, match=missing):
            resolve(Settings({**good, missing: ""}))
    assert resolve(Settings({})).app_secret  # development: the documented default


def test_the_handshake_answers_only_the_configured_token():
    from gateway.webhooks import WhatsAppSecrets

    secrets = WhatsAppSecrets("s", "token-correcto", 1024)
    assert secrets.handshake({"hub.mode": "subscribe", "hub.verify_token": "token-correcto",
                              "hub.challenge": "42"}) == "42"
    for query in ({"hub.mode": "subscribe", "hub.verify_token": "token-corrects", "hub.challenge": "42"},
                  {"hub.mode": "SUBSCRIBE", "hub.verify_token": "token-correcto", "hub.challenge": "42"},
                  {"hub.mode": "subscribe", "hub.verify_token": "token-correcto", "hub.challenge": ""}, {}):
        assert secrets.handshake(query) is None


# --- media ------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("mime,size,head,ok", [
    ("image/jpeg", 10, b"\xff\xd8\xff\xe0", True), ("image/jpeg", 10, b"<html>", False),
    ("application/pdf", 10, b"%PDF-1.7", True), ("application/pdf", 10, b"MZ\x90\x00", False),
    ("audio/ogg; codecs=opus", 10, b"OggS\x00", True), ("video/mp4", 10, b"\x00\x00\x00\x18ftypmp42", True),
    ("video/mp4", 10, b"\x00\x00\x00\x18moov", False), ("image/webp", 10, b"RIFF\x00\x00\x00\x00WEBPVP8 ", True),
    ("image/webp", 10, b"RIFF\x00\x00\x00\x00AVI ", False), ("text/html", 10, b"<html>", False),
    ("application/x-msdownload", 10, b"MZ", False), ("image/png", 2_000, b"\x89PNG\r\n\x1a\n", False),
    ("text/plain", 10, b"hola", True), (None, 10, b"", False),
])
def test_media_type_and_size_checks(mime, size, head, ok):
    assert (domain.media_problem(mime, size, 1_000, head) is None) is ok


def test_declared_digests_in_hex_or_base64():
    import base64
    import hashlib

    data = b"contenido"
    digest = hashlib.sha256(data)
    assert domain.digest_matches(digest.hexdigest(), data)
    assert domain.digest_matches(base64.b64encode(digest.digest()).decode(), data)
    assert domain.digest_matches(None, data)
    assert not domain.digest_matches("0" * 64, data) and not domain.digest_matches("no-es-base64!", data)


def test_a_payloads_senders_are_its_users_by_line_once_each_and_statuses_name_none():
    def change(line, messages=(), statuses=()):
        return {"field": "messages", "value": {"messaging_product": "whatsapp",
                                               "metadata": {"phone_number_id": line, "display_phone_number": "1"},
                                               "messages": list(messages), "statuses": list(statuses)}}

    def text(who, n):
        return {"from": who, "id": f"wamid.{n}", "timestamp": "1", "type": "text", "text": {"body": "x"}}

    payload = {"object": "whatsapp_business_account", "entry": [
        {"id": "1", "changes": [change("200", [text("5216861", 1), text("5216860", 2), text("5216861", 3)])]},
        {"id": "2", "changes": [change("100", [text("5216861", 4)], [{"id": "wamid.9", "status": "read"}])]}]}
    assert domain.payload_senders(payload) == ["100:5216861", "200:5216860", "200:5216861"]
    only_statuses = {"object": "whatsapp_business_account",
                     "entry": [{"id": "1", "changes": [change("100", statuses=[{"id": "wamid.9", "status": "read"}])]}]}
    assert domain.payload_senders(only_statuses) == []


def test_a_payload_belongs_to_the_share_of_its_first_sender_and_the_appliers_split_the_shares():
    assert domain.sender_shard([]) == 0
    one = domain.sender_shard(["100:5216861"])
    assert one == domain.sender_shard(["100:5216861", "200:5216860"]) and 0 <= one < domain.SENDER_SHARDS
    for workers in (1, 3, 8):
        shares = [domain.shards_of(i, workers) for i in range(workers)]
        assert sorted(s for share in shares for s in share) == list(range(domain.SENDER_SHARDS))  # each once
