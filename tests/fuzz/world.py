"""The world the API fuzzer works in: a case with filings, a resolution, notices and a hearing, and one token per
role.

The fuzzer (schemathesis, driven by the gateway's own OpenAPI document) runs once per identity, so every
operation is tried by a lawyer on the case, a lawyer off it, the court's clerk and judge, another court's
clerk, a citizen (with a valid CUI, a record in the registry, an issued certificate and an open request), UNAP's
records officer, a chat agent, an admin and nobody. Real identifiers reach it through the document's links (each create
links to its reads; the court's case list to its case files, and a case file to its hearings) and through the
case seeded here (and a chat conversation with an inquiry to the clerk's court, which the clerk's run answers).
"""
import datetime
import time
from dataclasses import dataclass, field

from tests.support.api import Api
from tests.support.bank import BankSimulator
from tests.support.certificates import new_cui, record_body, wait_issued
from tests.support.oidc import provider_for
from tests.support.whatsapp import seed_conversation

COURT = "01001"
OTHER_COURT = "01002"
NOTARY_BAR = "424242"  # the notary of the protocol archive, registered and with deposits
CUI = new_cui()  # the citizen's (a valid one: check digit, department, municipality), as their token carries it


@dataclass
class World:
    url: str
    tokens: dict = field(default_factory=dict)  # identity name -> bearer token, or None for no token
    case_number: str = ""
    filing_id: str = ""
    document_id: str = ""
    notification_id: str = ""
    hearing_id: str = ""
    record_id: str = ""
    certificate_request_id: str = ""


def build_world(stack):
    """Seed the isolated stack through the public API, as a client would, and name every identity."""
    api = Api(stack)
    provider_for(stack)  # the portal's OpenID Connect provider: its sign-in then redirects instead of a 503
    on_case = api.lawyer("fuzz-abogado-del-caso")
    world = World(url=stack.url, tokens={
        "lawyer_on_case": on_case,
        "lawyer_off_case": api.lawyer("fuzz-abogado-ajeno"),
        "clerk": api.clerk(COURT, sub="fuzz-secretario"),
        "judge": api.judge(COURT, sub="fuzz-juez"),
        "clerk_other_court": api.clerk(OTHER_COURT, sub="fuzz-secretario-otro"),
        "citizen": stack.token("fuzz-ciudadano", "citizen", name="Ciudadano", id_number=CUI),
        "admin": api.admin(),
        "chat_agent": stack.token("fuzz-agente-chat", "chat_agent", name="Agente del chat"),
        "chat_supervisor": stack.token("fuzz-supervisora-chat", "chat_supervisor", name="Supervisora del chat"),
        "notary": stack.token("fuzz-notario", "notary", name="Notaria del fuzzer", bar_number=NOTARY_BAR),
        "archive_officer": stack.token("fuzz-agp", "archive_officer", name="Oficial del Archivo"),
        "records_officer": stack.token("fuzz-unap", "records_officer", name="Oficial de la UNAP"),
        "anonymous": None,
    })
    seed_conversation(stack.url)  # a WhatsApp conversation, for the chat inbox's reads
    seed_inquiry(api, world)  # an inquiry from it to the clerk's court, for the clerk's list and answer
    opened = api.accepted_case(on_case, world.tokens["clerk"], COURT)
    world.case_number = opened["case_number"]
    world.filing_id = opened["receipt"]["filing_id"]
    world.document_id = opened["receipt"]["documents"][0]["document_id"]
    pending = api.file(on_case, world.case_number)  # one filing left for the clerk's queue
    assert pending.status_code == 201, pending.text
    resolved = api.resolve(world.tokens["judge"], world.case_number)
    assert resolved.status_code == 201, resolved.text
    starts_at = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=30)).replace(microsecond=0)
    hearing = api.post_json(f"/api/v1/cases/{world.case_number}/hearings",
                            {"kind": "debate", "starts_at": starts_at.isoformat(), "duration_minutes": 60,
                             "room": f"Sala {world.case_number}", "mode": "presencial"}, world.tokens["clerk"])
    assert hearing.status_code == 201, hearing.text
    world.hearing_id = hearing.json()["hearing_id"]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        listed = api.get("/api/v1/mailbox/notifications", on_case).json()
        if listed.get("items"):
            world.notification_id = listed["items"][0]["notification_id"]
            break
        time.sleep(0.2)
    assert world.notification_id, "the seeded resolution never reached the lawyer's mailbox"
    seed_protocol(api, world)
    seed_certificates(api, stack, world)
    return world


def seed_inquiry(api, world):
    """The chat agent asks the clerk's court about the seeded conversation: the clerk's inquiries list links to a
    real inquiry, which the clerk's run answers (once; 409 after)."""
    agent = world.tokens["chat_agent"]
    deadline = time.monotonic() + 20
    conversations = []
    while not conversations and time.monotonic() < deadline:
        conversations = api.get("/api/v1/chat/conversations", agent).json().get("items") or []
        time.sleep(0.2)
    assert conversations, "the seeded WhatsApp conversation never reached the inbox"
    asked = api.post_json(f"/api/v1/chat/conversations/{conversations[0]['conversation_id']}/inquiries",
                          {"court_id": COURT, "question": "¿En qué estado está el expediente del abogado?"}, agent)
    assert asked.status_code == 201, asked.text


def seed_certificates(api, stack, world):
    """A record in the registry for the citizen, and their certificate, paid and issued (so their list links to a
    real document and verification code), and an open request."""
    token = world.tokens["citizen"]
    added = api.post_json("/api/v1/criminal-records", record_body(CUI, name="Ciudadano"),
                          world.tokens["records_officer"])
    assert added.status_code == 201, added.text
    world.record_id = added.json()["record_id"]
    requested = api.post_json("/api/v1/certificates/requests", {}, token)
    assert requested.status_code == 201, requested.text
    assert BankSimulator(stack.url).pay(requested.json()["payment"]["reference"]).status_code == 200
    wait_issued(api, token, requested.json()["request_id"])
    again = api.post_json("/api/v1/certificates/requests", {}, token)
    assert again.status_code == 201, again.text
    world.certificate_request_id = again.json()["request_id"]


def seed_protocol(api, world):
    """The notarial protocol archive: the fuzzer's notary registered and active, a deed and a will deposited, and
    a copy the citizen asked for (so the notary's and the Archive's routes meet real identifiers)."""
    from tests.support.protocol import deposit, metadata

    registered = api.post_json("/api/v1/protocol/notaries", {"bar_number": NOTARY_BAR, "name": "Notaria del fuzzer",
                                                             "registered_at": "2015-02-01"},
                               world.tokens["archive_officer"])
    assert registered.status_code == 201, registered.text
    deed = deposit(api, world.tokens["notary"], metadata(1))
    assert deed.status_code == 201, deed.text
    will = deposit(api, world.tokens["notary"], metadata(2, act_type="testamento"))
    assert will.status_code == 201, will.text
    copy = api.post_json(f"/api/v1/protocol/instruments/{deed.json()['instrument_id']}/copies",
                         {"kind": "testimonio", "purpose": "Fuzzer"}, world.tokens["citizen"])
    assert copy.status_code == 201, copy.text
