"""Every page of the portal's router, opened in a real browser by the role that sees it, passes axe-core (no
serious or critical violation) and fits a 360×740 phone; so do the start page of every role of the demo users,
the page of an address that does not exist and the page a role gets when it opens another role's page.

``PAGES`` maps each route pattern of web/src/pages/*/routes.js to the visits that check it: who opens it and how
its concrete address is built from data made through the public API (unique to this module: the suite's tests
share one stack). A route added to the portal without its entry here fails the first test, by name.

Signing in is also done as a person without a mouse does it: Tab to a user of the development sign-in page,
Enter, the start page, then Tab to «Salir» and Enter."""
import re
import uuid
from dataclasses import dataclass
from typing import Callable, Optional

import pytest
from playwright.sync_api import expect

from gateway.demo import DEMO_USERS
from services.runtime.config import ROOT
from tests.support import browser as support
from tests.support.browser import check_page, sign_in, tab_to
from tests.support.certificates import citizen, new_cui, record_body
from tests.support.hearings import SUPREME_COURT, amparo_metadata, future, hearing_body, open_with, room, schedule
from tests.support.polling import wait
from tests.support.protocol import deposit, metadata, new_notary, today

WEB = ROOT / "web" / "src"
CIVIL = "01001"
ANONYMOUS = None  # a visitor who has not signed in
WAIT = 30_000  # ms: a loaded machine runs the whole stack and the browser


@dataclass(frozen=True)
class Visit:
    """``role`` opens ``path(world)`` and waits for the level-1 heading ``heading`` (text, or a function of the
    world) and, when given, for ``shows(page, world)``: the locator of the page's own content."""
    role: Optional[str]
    path: Callable
    heading: object
    shows: Optional[Callable] = None


def at(path):
    return lambda world: path


def visit(role, path, heading, shows=None):
    return Visit(role, at(path) if isinstance(path, str) else path, heading, shows)


def start_page(role):
    return visit(role, "/inicio", lambda world: f"Bienvenido(a), {world['names'][role]}",
                 lambda page, world: page.locator(".tiles"))


DEMO_ROLES = list(dict.fromkeys(user["role"] for user in DEMO_USERS))

# Every route pattern of the router, and the visits that check its page.
PAGES = {
    # public
    "/": [visit(ANONYMOUS, "/", "Servicios electrónicos del Organismo Judicial")],
    "/audiencias": [visit(ANONYMOUS, "/audiencias", "Agenda de audiencias")],
    "/amparos": [visit(ANONYMOUS, "/amparos", "Amparos y antejuicios")],
    "/amparos/:caseNumber": [visit(ANONYMOUS, lambda w: f"/amparos/{w['amparo']}", lambda w: f"Expediente {w['amparo']}",
                                   lambda page, w: page.get_by_test_id("case-stage"))],
    "/verificar": [visit(ANONYMOUS, "/verificar", "Verificar un documento")],
    # account
    "/entrar": [visit(ANONYMOUS, "/entrar", "Entrar al portal",
                      lambda page, w: page.locator("button[data-sub]").first)],
    "/inicio": [start_page(role) for role in DEMO_ROLES],
    # lawyer
    "/mis-expedientes": [visit("lawyer", "/mis-expedientes", "Mis expedientes",
                               lambda page, w: page.get_by_role("link", name=f"Expediente {w['case']}"))],
    "/mis-expedientes/nuevo": [visit("lawyer", "/mis-expedientes/nuevo", "Iniciar un expediente")],
    "/mis-expedientes/apersonarse": [visit("lawyer", "/mis-expedientes/apersonarse", "Apersonarse en un expediente")],
    "/mis-expedientes/:caseNumber": [visit("lawyer", lambda w: f"/mis-expedientes/{w['case']}",
                                           lambda w: f"Expediente {w['case']}",
                                           lambda page, w: page.get_by_test_id("docket"))],
    "/mis-expedientes/:caseNumber/escrito": [visit("lawyer", lambda w: f"/mis-expedientes/{w['case']}/escrito",
                                                   "Presentar un escrito")],
    "/constancias/:filingId": [visit("lawyer", lambda w: f"/constancias/{w['filing']}", "Constancia de recepción",
                                     lambda page, w: page.get_by_test_id("receipt-case").get_by_text(w["case"]))],
    "/casillero": [visit("lawyer", "/casillero", "Casillero electrónico",
                         lambda page, w: page.get_by_role("link", name=re.compile(f"expediente {w['case']}")))],
    "/casillero/:notificationId": [visit("lawyer", lambda w: f"/casillero/{w['notification']}",
                                         lambda w: f"Notificación del expediente {w['case']}",
                                         lambda page, w: page.get_by_test_id("notice-summary"))],
    "/mis-plazos": [visit("lawyer", "/mis-plazos", "Mis plazos")],
    "/chat-tribunal": [visit("lawyer", "/chat-tribunal", "Chat con el tribunal",
                             lambda page, w: page.locator("[data-author='lawyer']").first)],
    "/mi-whatsapp": [visit("lawyer", "/mi-whatsapp", "Mi WhatsApp")],
    # court
    "/tribunal/escritos": [visit("clerk", "/tribunal/escritos", "Escritos por calificar")],
    "/tribunal/expedientes": [visit("judge", "/tribunal/expedientes", "Expedientes del tribunal")],
    "/tribunal/expedientes/:caseNumber": [visit("clerk", lambda w: f"/tribunal/expedientes/{w['case']}",
                                                lambda w: f"Expediente {w['case']}",
                                                lambda page, w: page.get_by_test_id("case-hearings"))],
    "/tribunal/expedientes/:caseNumber/resolucion": [
        visit("judge", lambda w: f"/tribunal/expedientes/{w['case']}/resolucion", "Emitir una resolución")],
    "/tribunal/expedientes/:caseNumber/audiencia": [
        visit("clerk", lambda w: f"/tribunal/expedientes/{w['case']}/audiencia", "Programar una audiencia")],
    "/tribunal/expedientes/:caseNumber/notificaciones": [
        visit("judge", lambda w: f"/tribunal/expedientes/{w['case']}/notificaciones", "Notificaciones del expediente",
              lambda page, w: page.get_by_test_id("board").locator("[data-notification]").first)],
    "/tribunal/expedientes/:caseNumber/reserva": [
        visit("judge", lambda w: f"/tribunal/expedientes/{w['case']}/reserva", "Reservar el expediente")],
    "/tribunal/audiencias/:hearingId": [visit("clerk", lambda w: f"/tribunal/audiencias/{w['hearing']}",
                                              "Cambiar una audiencia",
                                              lambda page, w: page.get_by_test_id("slot-free"))],
    "/tribunal/consultas": [visit("clerk", "/tribunal/consultas", "Consultas del chat")],
    # citizen
    "/constancia": [visit("citizen", "/constancia", "Constancia de antecedentes penales")],
    # notarial protocol archive
    "/protocolo/depositar": [visit("notary", "/protocolo/depositar", "Depositar un testimonio especial")],
    "/protocolo/mi-protocolo": [visit("notary", "/protocolo/mi-protocolo", "Mi protocolo")],
    "/protocolo/revision": [visit("archive_officer", "/protocolo/revision", "Revisión de depósitos")],
    "/protocolo/notarios": [visit("archive_officer", "/protocolo/notarios", "Registro de notarios")],
    "/protocolo/consulta": [visit("citizen", "/protocolo/consulta", "Consulta del Archivo de Protocolos")],
    "/protocolo/instrumentos/:instrumentId": [
        visit("archive_officer", lambda w: f"/protocolo/instrumentos/{w['instrument']}",
              lambda w: f"Compraventa n.º 1 de {today().year}", lambda page, w: page.get_by_test_id("instrument"))],
    "/protocolo/copias": [visit("citizen", "/protocolo/copias", "Mis copias certificadas")],
    "/protocolo/copias-archivo": [visit("archive_officer", "/protocolo/copias-archivo", "Copias certificadas (Archivo)")],
    # criminal records
    "/registro": [visit("records_officer", "/registro", "Registro de antecedentes penales")],
    "/registro/nuevo": [visit("records_officer", "/registro/nuevo", "Agregar un antecedente")],
    "/registro/importar": [visit("records_officer", "/registro/importar", "Importar antecedentes desde un CSV")],
    "/registro/antecedentes/:recordId": [
        visit("records_officer", lambda w: f"/registro/antecedentes/{w['record']}",
              lambda w: f"Antecedente de {w['names']['record']}", lambda page, w: page.get_by_test_id("record"))],
    # chat
    "/chat": [visit("chat_agent", "/chat", "Bandeja del chat")],
    "/chat/conversacion/:conversationId": [
        visit("chat_agent", lambda w: f"/chat/conversacion/{w['conversation']}",
              lambda w: f"Conversación con {w['names']['lawyer']}",
              lambda page, w: page.get_by_test_id("message-text").get_by_text(w["chat_text"]))],
    "/tablero-del-chat": [visit("chat_supervisor", "/tablero-del-chat", "Tablero de la supervisión del chat")],
    "/chat/respuestas-guardadas": [visit("chat_supervisor", "/chat/respuestas-guardadas", "Respuestas guardadas")],
    # administration
    "/admin/cierres": [visit("admin", "/admin/cierres", "Cierres de tribunales")],
}

# Pages no route names: an address of no page, and a page of another role.
OTHER_PAGES = {
    "página no encontrada": visit(ANONYMOUS, "/no-existe-esta-pagina", "Página no encontrada"),
    "página no encontrada (con sesión)": visit("lawyer", "/mis-expedientes/a/b/c", "Página no encontrada"),
    "sin permiso": visit("lawyer", "/registro", "Sin permiso"),
}


def router_patterns():
    """The route patterns of the portal's router: the area files web/src/routes.js joins, each one's paths."""
    joined = (WEB / "routes.js").read_text()
    areas = re.findall(r'^import \w+ from "\./(pages/\w+/routes\.js)";', joined, re.M)
    assert areas, "web/src/routes.js no importa ningún archivo de rutas"
    on_disk = sorted(str(p.relative_to(WEB)) for p in WEB.glob("pages/*/routes.js"))
    assert sorted(areas) == on_disk, f"web/src/routes.js une {sorted(areas)}, pero hay {on_disk}"
    assert "path:" not in strip_comments(joined), "web/src/routes.js solo une los archivos de rutas de cada área"
    patterns = []
    for area in areas:
        code = strip_comments((WEB / area).read_text())
        found = re.findall(r'\bpath:\s*"([^"]+)"', code)
        assert len(found) == len(re.findall(r"\bpath:", code)), f"{area}: una ruta cuyo path no es un texto entre comillas"
        patterns += found
    return patterns


def strip_comments(code):
    return re.sub(r"^\s*//.*$", "", code, flags=re.M)


def test_the_table_has_exactly_the_routes_of_the_router():
    patterns = router_patterns()
    assert len(patterns) == len(set(patterns)), f"rutas repetidas en el router: {patterns}"
    missing = sorted(set(patterns) - set(PAGES))
    stale = sorted(set(PAGES) - set(patterns))
    assert not missing, (f"rutas del portal sin entrada en PAGES de tests/browser/test_every_page.py: {missing}. "
                         "Agregue quién la ve, cómo se arma su dirección y qué contenido se espera")
    assert not stale, f"PAGES tiene rutas que el router ya no tiene: {stale}"
    assert {v.role for v in PAGES["/inicio"]} == set(DEMO_ROLES), "el inicio se revisa para cada función"


# --- the data the pages show, made through the public API ------------------------------------------------------------
@pytest.fixture(scope="module")
def world(stack, api):
    tag = uuid.uuid4().hex[:8]
    names = {"lawyer": f"Lic. Página {tag}", "clerk": f"Secretaria Página {tag}", "judge": f"Juez Página {tag}",
             "citizen": f"Ciudadana Página {tag}", "admin": "Administración",
             "records_officer": f"Oficial UNAP {tag}", "chat_agent": f"Agente Página {tag}",
             "chat_supervisor": f"Supervisora Página {tag}", "notary": f"Notaria Página {tag}",
             "archive_officer": f"Archivo Página {tag}", "record": f"Condenado Página {tag}"}
    _, notary = new_notary(api, stack, name=names["notary"])
    tokens = {
        "lawyer": api.lawyer(f"lic-pagina-{tag}", name=names["lawyer"]),
        "clerk": stack.token(f"secretaria-{tag}", "clerk", name=names["clerk"], court_id=CIVIL),
        "judge": stack.token(f"juez-{tag}", "judge", name=names["judge"], court_id=CIVIL),
        "citizen": citizen(stack, name=names["citizen"], sub=f"ciudadana-{tag}")[0],
        "admin": api.admin(),
        "records_officer": stack.token(f"unap-{tag}", "records_officer", name=names["records_officer"]),
        "chat_agent": stack.token(f"agente-{tag}", "chat_agent", name=names["chat_agent"]),
        "chat_supervisor": stack.token(f"supervisora-{tag}", "chat_supervisor", name=names["chat_supervisor"]),
        "notary": notary,
        "archive_officer": stack.token(f"archivo-{tag}", "archive_officer", name=names["archive_officer"]),
    }
    lawyer, clerk, judge = tokens["lawyer"], tokens["clerk"], tokens["judge"]

    opened = api.accepted_case(lawyer, clerk, CIVIL)
    case = opened["case_number"]
    resolved = api.resolve(judge, case, summary=f"Se señala audiencia de conciliación {tag}")
    assert resolved.status_code == 201, resolved.text
    hearing = schedule(api, clerk, case, hearing_body(future(days=40, hour=15), room()))
    assert hearing.status_code == 201, hearing.text

    amparo = open_with(api, api.lawyer(), amparo_metadata())
    assert amparo.status_code == 201, amparo.text
    assert api.review(api.clerk(SUPREME_COURT), amparo.json()["receipt"]["filing_id"]).status_code == 200

    deposited = deposit(api, notary, metadata(1))
    assert deposited.status_code == 201, deposited.text

    added = api.post_json("/api/v1/criminal-records", record_body(new_cui(), name=names["record"],
                                                                  case_number=f"P-{tag}"), tokens["records_officer"])
    assert added.status_code == 201, added.text

    # a lawyer writes from the portal; the conversation goes to this module's agent (out of the teams' queue)
    chat_text = f"Consulta de la revisión de páginas {tag}"
    written = api.post_json("/api/v1/chat/web/messages", {"text": chat_text}, lawyer,
                            headers={"Idempotency-Key": uuid.uuid4().hex})
    assert written.status_code in (200, 201, 202), written.text
    conversation = wait(lambda: stack.db("chat").conversations.find_one({"wa_id": f"web:lic-pagina-{tag}"}),
                        what="la conversación del chat web")
    assert api.get("/api/v1/chat/lines", tokens["chat_agent"]).status_code == 200  # has used the inbox
    assigned = api.post_json(f"/api/v1/chat/conversations/{conversation['_id']}/assign",
                             {"agent": f"agente-{tag}"}, tokens["chat_supervisor"])
    assert assigned.status_code == 200, assigned.text

    # what reaches the lawyer's mailbox, the court's board and the public read model a moment later
    def notice():
        items = api.get("/api/v1/mailbox/notifications", lawyer, params={"case_number": case}).json()["items"]
        return items[0]["notification_id"] if items else None

    notification = wait(notice, timeout=30, what="la notificación en el casillero")
    wait(lambda: api.get(f"/api/v1/cases/{case}/notifications", judge).json().get("items"), timeout=30,
         what="la notificación en el tablero del expediente")
    number = amparo.json()["case_number"]
    wait(lambda: api.get(f"/api/v1/public/cases/{number}").status_code == 200, timeout=30,
         what="el amparo en la consulta pública")
    return {"tokens": tokens, "names": names, "case": case, "filing": opened["receipt"]["filing_id"],
            "hearing": hearing.json()["hearing_id"], "amparo": number, "notification": notification,
            "instrument": deposited.json()["instrument_id"], "record": added.json()["record_id"],
            "conversation": conversation["_id"], "chat_text": chat_text}


@pytest.fixture(scope="module")
def pages_by_role(stack, chromium, world):
    """One browser context per role, signed in once (the anonymous one never is), reused by its visits."""
    contexts, pages = [], {}

    def page_of(role):
        if role not in pages:
            context = chromium.new_context(base_url=stack.url, viewport=support.DESKTOP, locale="es-GT",
                                           timezone_id="America/Guatemala")
            context.set_default_timeout(WAIT)
            contexts.append(context)
            page = context.new_page()
            if role is not ANONYMOUS:
                sign_in(page, stack, token=world["tokens"][role])
            pages[role] = page
        return pages[role]

    yield page_of
    for context in contexts:
        context.close()


def check_visit(page_of, world, item, where, request):
    page = page_of(item.role)
    path = item.path(world)
    heading = item.heading(world) if callable(item.heading) else item.heading
    try:
        page.goto(path, wait_until="domcontentloaded")
        expect(page.get_by_role("heading", level=1, name=heading, exact=True)).to_be_visible(timeout=WAIT)
        if item.shows:
            expect(item.shows(page, world)).to_be_visible(timeout=WAIT)
        expect(page.locator(".loading")).to_have_count(0, timeout=WAIT)
        expect(page.get_by_test_id("load-error")).to_have_count(0)
        check_page(page, f"{where} ({path}, {item.role or 'sin sesión'})")
    except Exception:
        print(f"\nCaptura de la falla: {support.save_failure_screenshot(page, request.node.nodeid)}")
        raise


VISITS = [(pattern, item) for pattern, items in PAGES.items() for item in items]


@pytest.mark.parametrize("pattern,item", VISITS, ids=[f"{p}|{v.role or 'anonimo'}" for p, v in VISITS])
def test_every_page_passes_axe_and_fits_a_phone(pages_by_role, world, pattern, item, request):
    check_visit(pages_by_role, world, item, pattern, request)


@pytest.mark.parametrize("name", list(OTHER_PAGES))
def test_the_not_found_and_forbidden_pages_pass_axe_and_fit_a_phone(pages_by_role, world, name, request):
    check_visit(pages_by_role, world, OTHER_PAGES[name], name, request)


# --- signing in and out with the keyboard alone ----------------------------------------------------------------------
def test_a_person_signs_in_and_out_from_the_demo_page_with_the_keyboard_alone(new_page):
    user = next(u for u in DEMO_USERS if u["role"] == "judge")
    page = new_page()
    page.set_default_timeout(WAIT)
    page.goto("/entrar")
    expect(page.get_by_role("heading", name="Entrar al portal", level=1)).to_be_visible(timeout=WAIT)
    expect(page.locator(f"button[data-sub='{user['sub']}']")).to_be_enabled(timeout=WAIT)
    tab_to(page, user["name"])
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/inicio$"), timeout=WAIT)
    expect(page.get_by_role("heading", name=f"Bienvenido(a), {user['name']}", level=1)).to_be_focused(timeout=WAIT)
    expect(page.get_by_test_id("account-name")).to_contain_text(user["name"], timeout=WAIT)
    assert page.request.get("/api/v1/auth/session").json()["actor"]["sub"] == user["sub"]
    # the start page's first link leads to a page of the role, with the keyboard too
    tab_to(page, "Expedientes", exact=True)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Expedientes del tribunal", level=1)).to_be_focused(timeout=WAIT)
    tab_to(page, "Salir", exact=True, backwards=True)
    page.keyboard.press("Enter")
    expect(page.get_by_role("navigation").get_by_role("link", name="Entrar")).to_be_visible(timeout=WAIT)
    expect(page.get_by_test_id("account-name")).to_have_count(0, timeout=WAIT)
    assert page.request.get("/api/v1/auth/session").status == 401
