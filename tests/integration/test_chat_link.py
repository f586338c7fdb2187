"""A lawyer links their WhatsApp number to their account, through the gateway's API: a code goes to the number over
WhatsApp (the loopback Graph API server records it), the lawyer types it back while signed in, and the chat staff
then see the lawyer's name and bar number in the conversation. Wrong, expired and exhausted codes, another lawyer's
code, the hourly limits, who may do it, and hostile input: each answers its error and links, stores and sends
nothing."""
import datetime

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from services.runtime.config import load_config
from services.runtime.errors import Forbidden
from tests.support import whatsapp as wa
from tests.support.polling import wait

pytestmark = pytest.mark.stack

LINK = "/api/v1/chat/link"
CONFIRM = "/api/v1/chat/link/confirm"
DEFAULT_LINE = wa.LINES[0]   # CHAT_LINK_LINE is empty in the suite: the first line
WROTE_TO = wa.LINES[1]       # the line the users of these tests write to
_lawyers = iter(range(1, 10_000))


@pytest.fixture(scope="module")
def agent(stack):
    return stack.token("agente.vinculos", "chat_agent", name="Agente Vínculos")


def lawyer(api, name=None):
    n = next(_lawyers)
    sub = f"abogada.vinculo{n}"
    return sub, api.lawyer(sub, name=name or f"Lcda. Vínculo {n}", bar_number=str(70000 + n))


def request_link(api, token, wa_id):
    return api.post_json(LINK, {"wa_id": wa_id}, token)


def confirm(api, token, code):
    return api.post_json(CONFIRM, {"code": code}, token)


def unlink(api, token, wa_id):
    return api.http.delete(f"{api.url}{LINK}/numbers/{wa_id}", headers=api.auth(token), timeout=30)


def code_sent(graph, wa_id, count=1):
    """The code in the ``count``-th message the Graph API server received for ``wa_id``."""
    sent = graph.wait_for(wa_id, count)
    assert len(sent) >= count, f"no code reached {wa_id}"
    template = sent[count - 1].body["template"]
    return template["components"][0]["parameters"][0]["text"]


def error_of(response, status, code):
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert set(body) == {"error", "message", "details"} and body["message"], body
    assert body["error"] == code, body
    return body


def linked(stack, wa_id):
    return stack.db("chat").links.find_one({"_id": wa_id})


def stored(stack):
    """What linking writes, counted: a request that fails must leave it as it was."""
    db = stack.db("chat")
    return {"links": sorted((d["_id"], d["sub"]) for d in db.links.find()),
            "link_codes": sorted((d["_id"], d["link_id"], d["attempts"]) for d in db.link_codes.find()),
            "link_requests": db.link_requests.count_documents({}),
            "sends": db.sends.count_documents({"link_id": {"$exists": True}})}


def audited(stack, sub, action, outcome):
    return list(stack.db("chat").audit.find({"actor.sub": sub, "action": action, "outcome": outcome}))


def open_conversation(stack, sender):
    return wa.open_conversation(stack, WROTE_TO, "Buenos días, soy abogada litigante", sender)


# --- the whole flow ---------------------------------------------------------------------------------------------------
def test_a_lawyer_links_their_number_and_staff_see_name_and_bar_number(stack, api, graph, sender, agent):
    conversation_id, wa_id = open_conversation(stack, sender)
    sub, token = lawyer(api, name="Lcda. Marta Ochoa")
    # the lawyer types the number as E.164 (52 and ten digits); WhatsApp names it with the 1 (521…)
    typed = "52" + wa_id[3:]
    response = request_link(api, token, typed)
    assert response.status_code == 202, response.text
    pending = response.json()
    assert pending["wa_id"] == wa_id and pending["attempts_left"] == 5 and pending["delivery"] in ("queued", "sent")
    # from the configured line, not the one the number wrote to (which would tell any lawyer who asks that this
    # person has written to the court's chat, and to which region)
    assert pending["line"] == DEFAULT_LINE and pending["from_number"] == "+52 686 525 3785"
    expires = datetime.datetime.fromisoformat(pending["expires_at"].replace("Z", "+00:00"))
    assert datetime.timedelta(minutes=9) < expires - datetime.datetime.now(datetime.timezone.utc) <= \
        datetime.timedelta(minutes=10)
    # the code reaches WhatsApp as the authentication template, from the configured line
    [sent] = graph.wait_for(wa_id)
    assert sent.phone_number_id == DEFAULT_LINE and sent.authorization == "Bearer chat-dev-access-token"
    assert sent.body["type"] == "template" and sent.body["to"] == wa_id
    template = sent.body["template"]
    assert template["name"] == "codigo_vinculacion" and template["language"] == {"code": "es_MX"}
    code = template["components"][0]["parameters"][0]["text"]
    assert len(code) == 6 and code.isdigit()
    assert template["components"][1] == {"type": "button", "sub_type": "url", "index": "0",
                                         "parameters": [{"type": "text", "text": code}]}
    # the code is nowhere in the database: an HMAC on the request, and the send job's copy erased once sent
    db = stack.db("chat")
    request_doc = db.link_codes.find_one({"_id": sub})
    assert code not in str(request_doc)
    wait(lambda: "code" not in db.sends.find_one({"_id": request_doc["job_id"]}), what="the job's code erased")
    shown = wait(lambda: (lambda p: p if p and p["delivery"] == "sent" else None)(
        api.get(LINK, token).json()["pending"]), what="the code shown as sent")
    assert shown["wa_id"] == wa_id and shown["delivery_error"] is None
    # nothing is linked yet, and the staff see no lawyer
    assert linked(stack, wa_id) is None
    assert api.get(f"/api/v1/chat/conversations/{conversation_id}", agent).json()["lawyer"] is None
    # the lawyer types the code back
    response = confirm(api, token, code)
    assert response.status_code == 200, response.text
    link = response.json()
    bar_number = link["bar_number"]
    assert link["wa_id"] == wa_id and link["name"] == "Lcda. Marta Ochoa" and bar_number.startswith("7")
    assert linked(stack, wa_id)["sub"] == sub
    mine = api.get(LINK, token).json()
    assert [item["wa_id"] for item in mine["items"]] == [wa_id] and mine["pending"] is None
    # the staff see name and bar number: in the conversation, in the list, in an inquiry about it
    conversation = api.get(f"/api/v1/chat/conversations/{conversation_id}", agent).json()
    assert conversation["lawyer"] == {"name": "Lcda. Marta Ochoa", "bar_number": bar_number}
    listed = api.get("/api/v1/chat/conversations", agent, params={"line": WROTE_TO, "limit": 100}).json()["items"]
    linked_bar = next(c for c in listed if c["conversation_id"] == conversation_id)["lawyer"]
    assert linked_bar == {"name": "Lcda. Marta Ochoa", "bar_number": bar_number}
    assert all(c["lawyer"] is None for c in listed if c["contact"]["wa_id"] != wa_id
               and not linked(stack, c["contact"]["wa_id"]))
    inquiry = api.post_json(f"/api/v1/chat/conversations/{conversation_id}/inquiries",
                            {"area": "tijuana", "question": "¿Tiene audiencia la licenciada esta semana?"}, agent)
    assert inquiry.status_code == 201, inquiry.text
    assert inquiry.json()["lawyer"] == {"name": "Lcda. Marta Ochoa", "bar_number": bar_number}
    # the request is used up: the same code again finds nothing
    error_of(confirm(api, token, code), 404, "link_not_requested")
    # every step is on record
    assert audited(stack, sub, "link_request", "allowed")[0]["target"] == f"wa_id:{wa_id}"
    [entry] = audited(stack, sub, "link_confirm", "allowed")
    assert entry["target"] == f"wa_id:{wa_id}" and entry["details"]["bar_number"] == bar_number
    assert entry["details"]["replaced_sub"] is None


def test_a_number_that_never_wrote_gets_the_code_from_the_configured_line_too(stack, api, graph):
    sub, token = lawyer(api)
    wa_id = wa.new_wa_id()
    response = request_link(api, token, wa_id)
    assert response.status_code == 202, response.text
    assert response.json()["line"] == DEFAULT_LINE
    [sent] = graph.wait_for(wa_id)
    assert sent.phone_number_id == DEFAULT_LINE
    assert confirm(api, token, code_sent(graph, wa_id)).status_code == 200
    assert linked(stack, wa_id)["sub"] == sub


def test_a_code_whatsapp_could_not_deliver_is_shown_failed_with_why(stack, api, graph, sender):
    sub, token = lawyer(api)
    wa_id = wa.new_wa_id()
    assert request_link(api, token, wa_id).status_code == 202
    graph.wait_for(wa_id)
    with graph.lock:
        wamid = next(w for s, w in zip(graph.sent, graph.wamids) if s.body.get("to") == wa_id)
    wait(lambda: (api.get(LINK, token).json()["pending"] or {}).get("delivery") == "sent", what="the code sent")
    # WhatsApp reports later that the number does not use it (the status of a message no conversation holds)
    assert sender.send(wa.status_payload(DEFAULT_LINE, wamid, wa_id, "failed", error_code=131026)).status_code == 200
    pending = wait(lambda: (lambda p: p if p["delivery"] == "failed" else None)(api.get(LINK, token).json()["pending"]),
                   what="the code shown as failed")
    assert "no usa WhatsApp" in pending["delivery_error"]
    assert linked(stack, wa_id) is None


def test_unlinking_removes_what_staff_see_and_is_audited(stack, api, graph, sender, agent):
    conversation_id, wa_id = open_conversation(stack, sender)
    sub, token = lawyer(api)
    assert request_link(api, token, wa_id).status_code == 202
    assert confirm(api, token, code_sent(graph, wa_id)).status_code == 200
    other_sub, other = lawyer(api)
    error_of(unlink(api, other, wa_id), 404, "link_not_found")  # not theirs: the same as not linked
    assert linked(stack, wa_id)["sub"] == sub
    response = unlink(api, token, wa_id)
    assert response.status_code == 200, response.text
    assert response.json()["wa_id"] == wa_id
    assert linked(stack, wa_id) is None
    assert api.get(f"/api/v1/chat/conversations/{conversation_id}", agent).json()["lawyer"] is None
    assert api.get(LINK, token).json()["items"] == []
    error_of(unlink(api, token, wa_id), 404, "link_not_found")
    assert audited(stack, sub, "unlink", "allowed") and audited(stack, sub, "unlink", "not_found")
    assert audited(stack, other_sub, "unlink", "not_found")


def staff_unlink(api, token, wa_id, body):
    return api.post_json(f"/api/v1/chat/links/{wa_id}/unlink", body, token)


@pytest.fixture(scope="module")
def supervisor(stack):
    return stack.token("supervisora.vinculos", "chat_supervisor", name="Supervisora Vínculos")


def test_the_supervision_unlinks_a_lost_phone_with_its_reason_on_record(stack, api, graph, sender, agent, supervisor):
    """A lawyer who lost their phone cannot unlink it themselves from it: the supervision does, with the reason; the
    staff stop seeing the lawyer on its conversations, and the lawyer can link the number again with a new code."""
    conversation_id, wa_id = open_conversation(stack, sender)
    sub, token = lawyer(api, name="Lcda. Teléfono Perdido")
    assert request_link(api, token, wa_id).status_code == 202
    assert confirm(api, token, code_sent(graph, wa_id)).status_code == 200
    bar_number = linked(stack, wa_id)["bar_number"]
    # an agent may not
    before = stored(stack)
    error_of(staff_unlink(api, agent, wa_id, {"reason": "Lo pidió por teléfono"}), 403, "forbidden")
    assert stored(stack) == before and audited(stack, "agente.vinculos", "unlink_by_staff", "denied")
    # the supervision does
    reason = "La licenciada informó por oficio que perdió su teléfono"
    response = staff_unlink(api, supervisor, wa_id, {"reason": reason})
    assert response.status_code == 200, response.text
    assert response.json() == {**response.json(), "wa_id": wa_id, "name": "Lcda. Teléfono Perdido",
                               "bar_number": bar_number}
    assert linked(stack, wa_id) is None
    assert api.get(f"/api/v1/chat/conversations/{conversation_id}", agent).json()["lawyer"] is None
    assert api.get(LINK, token).json()["items"] == []
    [entry] = audited(stack, "supervisora.vinculos", "unlink_by_staff", "allowed")
    assert entry["target"] == f"wa_id:{wa_id}"
    assert entry["details"]["sub"] == sub and entry["details"]["bar_number"] == bar_number
    assert entry["details"]["reason"] == reason
    # once more: nothing linked
    error_of(staff_unlink(api, supervisor, wa_id, {"reason": reason}), 404, "link_not_found")
    # the lawyer links it again
    assert request_link(api, token, wa_id).status_code == 202
    assert confirm(api, token, code_sent(graph, wa_id, 2)).status_code == 200
    assert linked(stack, wa_id)["sub"] == sub


@pytest.mark.parametrize("body", [
    {}, {"reason": ""}, {"reason": "   "}, {"reason": None}, {"reason": 7}, {"reason": ["perdió"]},
    {"reason": {"$ne": ""}}, {"reason": "x" * 501}, {"reason": "perdió", "sub": "otro"}, ["perdió"], "perdió",
])
def test_the_supervision_must_say_why_and_a_bad_body_unlinks_nothing(stack, api, graph, supervisor, body):
    sub, token = lawyer(api)
    wa_id = wa.new_wa_id()
    assert request_link(api, token, wa_id).status_code == 202
    assert confirm(api, token, code_sent(graph, wa_id)).status_code == 200
    before = stored(stack)
    response = staff_unlink(api, supervisor, wa_id, body)
    assert response.status_code == 422, response.text
    assert response.json()["message"]
    assert stored(stack) == before and linked(stack, wa_id)["sub"] == sub


@pytest.mark.parametrize("role", ["lawyer", "clerk", "judge", "citizen", "admin"])
def test_only_the_chat_supervision_unlinks_for_someone_else(stack, api, graph, role):
    sub, token = lawyer(api)
    wa_id = wa.new_wa_id()
    assert request_link(api, token, wa_id).status_code == 202
    assert confirm(api, token, code_sent(graph, wa_id)).status_code == 200
    other = stack.token(f"otro.{role}", role, name="Otro", bar_number="55555", court_id="01001")
    before = stored(stack)
    response = staff_unlink(api, other, wa_id, {"reason": "Porque sí"})
    assert response.status_code == 403, response.text
    assert stored(stack) == before
    assert api.post_json(f"/api/v1/chat/links/{wa_id}/unlink", {"reason": "x"}, None).status_code == 401


# --- wrong, expired, exhausted, replaced ------------------------------------------------------------------------------
def wrong(code):
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_a_wrong_code_is_counted_and_the_right_one_still_links(stack, api, graph):
    sub, token = lawyer(api)
    wa_id = wa.new_wa_id()
    assert request_link(api, token, wa_id).status_code == 202
    code = code_sent(graph, wa_id)
    body = error_of(confirm(api, token, wrong(code)), 422, "link_code_wrong")
    assert body["details"]["attempts_left"] == 4 and "code" in body["details"]["fields"]
    assert "4 intento" in body["message"]
    assert linked(stack, wa_id) is None
    assert api.get(LINK, token).json()["pending"]["attempts_left"] == 4
    assert audited(stack, sub, "link_confirm", "wrong_code")
    assert confirm(api, token, code).status_code == 200
    assert linked(stack, wa_id)["sub"] == sub


def test_after_five_tries_even_the_right_code_links_nothing(stack, api, graph):
    sub, token = lawyer(api)
    wa_id = wa.new_wa_id()
    assert request_link(api, token, wa_id).status_code == 202
    code = code_sent(graph, wa_id)
    lefts = [error_of(confirm(api, token, wrong(code)), 422, "link_code_wrong")["details"]["attempts_left"]
             for _ in range(5)]
    assert lefts == [4, 3, 2, 1, 0]
    body = error_of(confirm(api, token, code), 409, "link_code_locked")
    assert "intentos" in body["message"] and "código nuevo" in body["message"]
    assert linked(stack, wa_id) is None
    assert api.get(LINK, token).json() == {"items": [], "pending": None}
    assert audited(stack, sub, "link_confirm", "locked")
    # a new code starts again
    assert request_link(api, token, wa_id).status_code == 202
    assert confirm(api, token, code_sent(graph, wa_id, 2)).status_code == 200


def test_an_expired_code_links_nothing(stack, api, graph):
    sub, token = lawyer(api)
    wa_id = wa.new_wa_id()
    assert request_link(api, token, wa_id).status_code == 202
    code = code_sent(graph, wa_id)
    past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=1)
    stack.db("chat").link_codes.update_one({"_id": sub}, {"$set": {"expires_at": past}})
    body = error_of(confirm(api, token, code), 409, "link_code_expired")
    assert "venció" in body["message"]
    assert linked(stack, wa_id) is None
    assert api.get(LINK, token).json()["pending"] is None
    assert audited(stack, sub, "link_confirm", "expired")


def test_a_new_request_replaces_the_old_code(stack, api, graph):
    sub, token = lawyer(api)
    first, second = wa.new_wa_id(), wa.new_wa_id()
    assert request_link(api, token, first).status_code == 202
    old = code_sent(graph, first)
    assert request_link(api, token, second).status_code == 202
    new = code_sent(graph, second)
    if old != new:  # one chance in a million they are the same
        error_of(confirm(api, token, old), 422, "link_code_wrong")
    assert confirm(api, token, new).status_code == 200
    assert linked(stack, first) is None and linked(stack, second)["sub"] == sub
    [entry] = [e for e in audited(stack, sub, "link_request", "allowed") if e["target"] == f"wa_id:{second}"]
    assert entry["details"]["replaced_wa_id"] == first


# --- other lawyers ----------------------------------------------------------------------------------------------------
def test_another_lawyer_cannot_confirm_with_a_code_sent_for_someone_else(stack, api, graph):
    owner_sub, owner = lawyer(api)
    intruder_sub, intruder = lawyer(api)
    wa_id = wa.new_wa_id()
    assert request_link(api, owner, wa_id).status_code == 202
    code = code_sent(graph, wa_id)
    before = stored(stack)
    error_of(confirm(api, intruder, code), 404, "link_not_requested")  # the intruder asked for nothing
    assert stored(stack) == before
    # with a request of their own (for their own number), the owner's code is just a wrong code
    own = wa.new_wa_id()
    assert request_link(api, intruder, own).status_code == 202
    own_code = code_sent(graph, own)
    if code != own_code:
        error_of(confirm(api, intruder, code), 422, "link_code_wrong")
    assert linked(stack, wa_id) is None and linked(stack, own) is None
    assert confirm(api, owner, code).status_code == 200
    assert linked(stack, wa_id)["sub"] == owner_sub


def test_a_number_moves_to_another_lawyer_only_when_that_lawyer_proves_the_code(stack, api, graph, sender, agent):
    conversation_id, wa_id = open_conversation(stack, sender)
    first_sub, first = lawyer(api, name="Lic. Primero")
    second_sub, second = lawyer(api, name="Lcda. Segunda")
    assert request_link(api, first, wa_id).status_code == 202
    assert confirm(api, first, code_sent(graph, wa_id, 1)).status_code == 200
    # the second lawyer asks: nothing changes until they prove the code
    assert request_link(api, second, wa_id).status_code == 202
    code = code_sent(graph, wa_id, 2)
    assert linked(stack, wa_id)["sub"] == first_sub
    error_of(confirm(api, second, wrong(code)), 422, "link_code_wrong")
    assert linked(stack, wa_id)["sub"] == first_sub
    response = confirm(api, second, code)
    assert response.status_code == 200, response.text
    assert linked(stack, wa_id)["sub"] == second_sub
    assert api.get(f"/api/v1/chat/conversations/{conversation_id}", agent).json()["lawyer"]["name"] == "Lcda. Segunda"
    assert api.get(LINK, first).json()["items"] == []
    assert [i["wa_id"] for i in api.get(LINK, second).json()["items"]] == [wa_id]
    [replaced] = audited(stack, second_sub, "link_replaced", "allowed")
    assert replaced["target"] == f"wa_id:{wa_id}" and replaced["details"]["previous_sub"] == first_sub
    assert audited(stack, second_sub, "link_confirm", "allowed")[0]["details"]["replaced_sub"] == first_sub


# --- hourly limits ----------------------------------------------------------------------------------------------------
def test_a_lawyer_asks_for_at_most_five_codes_an_hour(stack, api, graph):
    sub, token = lawyer(api)
    for _ in range(5):
        assert request_link(api, token, wa.new_wa_id()).status_code == 202
    before = stored(stack)
    refused = wa.new_wa_id()
    response = request_link(api, token, refused)
    body = error_of(response, 429, "too_many_link_requests")
    assert body["details"]["scope"] == "lawyer" and 3500 < body["details"]["retry_after"] <= 3600
    assert response.headers["Retry-After"] == str(body["details"]["retry_after"])
    assert stored(stack) == before
    assert graph.wait_for(refused, timeout=1) == []
    assert audited(stack, sub, "link_request", "rate_limited")


def test_a_number_gets_at_most_five_codes_an_hour_whoever_asks(stack, api, graph):
    wa_id = wa.new_wa_id()
    for _ in range(5):
        assert request_link(api, lawyer(api)[1], wa_id).status_code == 202
    graph.wait_for(wa_id, 5)
    before = stored(stack)
    body = error_of(request_link(api, lawyer(api)[1], wa_id), 429, "too_many_link_requests")
    assert body["details"]["scope"] == "number"
    assert stored(stack) == before
    assert len(graph.wait_for(wa_id, 6, timeout=1)) == 5


def test_lawyers_asking_for_one_number_at_the_same_moment_still_get_five_codes_an_hour_in_all(stack, api, graph):
    from concurrent.futures import ThreadPoolExecutor

    wa_id = wa.new_wa_id()
    tokens = [lawyer(api)[1] for _ in range(10)]
    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(lambda token: request_link(api, token, wa_id), tokens))
    assert sorted(a.status_code for a in answers) == [202] * 5 + [429] * 5, [a.text for a in answers]
    assert stack.db("chat").link_requests.count_documents({"wa_id": wa_id}) == 5
    assert len(graph.wait_for(wa_id, 6, timeout=3)) == 5


# --- who may ----------------------------------------------------------------------------------------------------------
ROLES = ("chat_agent", "chat_supervisor", "clerk", "judge", "citizen", "admin", "anonymous")


def token_of(stack, api, role):
    if role == "anonymous":
        return None
    if role in ("clerk", "judge"):
        return api.staff(role)
    if role == "citizen":
        return api.citizen()
    if role == "admin":
        return api.admin()
    return stack.token(f"{role}.vinculos", role, name="Personal del chat")


@pytest.mark.parametrize("role", ROLES)
def test_only_lawyers_link_numbers(stack, api, graph, role):
    token = token_of(stack, api, role)
    wa_id = wa.new_wa_id()
    before = stored(stack)
    expected = 401 if role == "anonymous" else 403
    for response in (request_link(api, token, wa_id), confirm(api, token, "123456"), api.get(LINK, token),
                     unlink(api, token, wa_id)):
        assert response.status_code == expected, (role, response.request.method, response.request.url, response.text)
    assert stored(stack) == before
    assert graph.wait_for(wa_id, timeout=0.5) == []


def test_staff_cannot_link_a_number_for_a_lawyer_nor_name_one_in_the_body(stack, api, agent):
    before = stored(stack)
    body = {"wa_id": wa.new_wa_id(), "sub": "abogada.ajena", "bar_number": "12345", "name": "Otra"}
    assert api.post_json(LINK, body, agent).status_code == 403
    sub, token = lawyer(api)
    response = api.post_json(LINK, body, token)  # even a lawyer cannot name another account: 422, nothing stored
    assert response.status_code == 422 and {"sub", "bar_number", "name"} <= set(response.json()["details"]["fields"])
    assert stored(stack) == before


@pytest.mark.parametrize("role", ["chat_agent", "chat_supervisor", "clerk"])
def test_the_chat_service_refuses_non_lawyers_itself_and_audits_it(stack, role):
    """Authorization is the owner's: a call that skips the gateway is refused by the chat service."""
    config = {**load_config(), "AMQP_URI": stack.amqp_uri}
    actor = {"sub": f"directo-vinculo-{role}", "role": role, "name": "Directo", "court_id": "01001"}
    before = stored(stack)
    with ClusterRpcProxy(config, timeout=10) as cluster:
        for call in (lambda: cluster.chat.request_link(actor, {"wa_id": wa.new_wa_id()}),
                     lambda: cluster.chat.confirm_link(actor, {"code": "123456"}),
                     lambda: cluster.chat.list_links(actor), lambda: cluster.chat.unlink(actor, "5216860000000")):
            with pytest.raises(Forbidden):
                call()
    assert stored(stack) == before
    assert len(list(stack.db("chat").audit.find({"actor.sub": f"directo-vinculo-{role}", "outcome": "denied"}))) == 4


# --- hostile input ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("body", [
    {}, {"wa_id": ""}, {"wa_id": "+5216861234567"}, {"wa_id": "521 686 123 4567"}, {"wa_id": "0526861234567"},
    {"wa_id": "1234567"}, {"wa_id": "1" * 16}, {"wa_id": "5216861234567\n"}, {"wa_id": "<script>alert(1)</script>"},
    {"wa_id": "5216861234567'; db.links.drop()"}, {"wa_id": {"$gt": ""}}, {"wa_id": ["5216861234567"]},
    {"wa_id": 5216861234567}, {"wa_id": None}, {"wa_id": "٥٢١٦٨٦١٢٣٤٥٦٧"}, {"wa_id": "5" * 10_000},
    {"wa_id": "5216861234567", "extra": True}, ["5216861234567"], "5216861234567",
])
def test_hostile_numbers_are_refused_and_nothing_is_stored_or_sent(stack, api, graph, body):
    sub, token = lawyer(api)
    before, sent = stored(stack), len(graph.sent)
    response = api.post_json(LINK, body, token)
    assert response.status_code == 422, response.text
    assert response.json()["message"]
    assert stored(stack) == before and len(graph.sent) == sent
    assert not audited(stack, sub, "link_request", "allowed")


@pytest.mark.parametrize("raw, content_type, status", [
    (b"{", "application/json", 400), (b'{"wa_id": "5216861234567"}', "text/plain", 415),
    (b'{"wa_id": "5216861234567", "wa_id": "5216861234568"}' + b" " * (2 * 1024 * 1024), "application/json", 413),
    (b"\xff\xfe", "application/json", 400),
])
def test_malformed_bodies_are_refused_and_nothing_is_stored(stack, api, graph, raw, content_type, status):
    sub, token = lawyer(api)
    before, sent = stored(stack), len(graph.sent)
    for path in (LINK, CONFIRM):
        response = api.http.post(api.url + path, data=raw, timeout=30,
                                 headers={**api.auth(token), "Content-Type": content_type})
        assert response.status_code == status, (path, response.text)
    assert stored(stack) == before and len(graph.sent) == sent


@pytest.mark.parametrize("body", [
    {}, {"code": ""}, {"code": "12345"}, {"code": "1234567"}, {"code": "12345a"}, {"code": "123456\n"},
    {"code": " 123456"}, {"code": 123456}, {"code": None}, {"code": {"$ne": ""}}, {"code": ["123456"]},
    {"code": "١٢٣٤٥٦"}, {"code": "123456", "wa_id": "5216861234567"}, {"code": "<b>123456</b>"},
])
def test_hostile_codes_are_refused_without_spending_a_try(stack, api, graph, body):
    sub, token = lawyer(api)
    wa_id = wa.new_wa_id()
    assert request_link(api, token, wa_id).status_code == 202
    before = stored(stack)
    response = api.post_json(CONFIRM, body, token)
    assert response.status_code == 422 and response.json()["error"] == "validation_error", response.text
    assert stored(stack) == before  # the try was not counted, nothing linked
    assert linked(stack, wa_id) is None


@pytest.mark.parametrize("path", ["abc", "%2B5216861234567", "0216861234567", "1234567", "1" * 16,
                                  "5216861234567%0A", "%3Cscript%3E", "5216861234567%00"])
def test_hostile_numbers_in_the_path_are_not_found_and_nothing_changes(stack, api, path):
    sub, token = lawyer(api)
    before = stored(stack)
    response = api.http.delete(f"{api.url}{LINK}/numbers/{path}", headers=api.auth(token), timeout=30)
    assert response.status_code == 404, (path, response.text)
    assert stored(stack) == before


def test_confirm_is_not_a_number_to_unlink(stack, api):
    """The confirmation's path is no number: DELETE on it is a method the route does not take."""
    sub, token = lawyer(api)
    response = api.http.delete(api.url + CONFIRM, headers=api.auth(token), timeout=30)
    assert response.status_code == 405 and response.headers["Allow"] == "POST"


def test_a_lawyer_token_without_bar_number_is_refused(stack, api):
    token = stack.token("abogada.sin.colegiado", "lawyer", name="Sin colegiado")
    before = stored(stack)
    assert request_link(api, token, wa.new_wa_id()).status_code == 401
    assert stored(stack) == before
